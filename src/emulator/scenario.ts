/**
 * The scenario engine: plays refreshes over the generated estate on the virtual clock.
 *
 * It is a discrete-event simulation, advanced lazily: every API call first runs all events up to
 * "now" (schedule slots, ad-hoc refreshes, refresh ends) in time order, so the state a client reads
 * is the same whatever the request pattern. Each model draws from its own random stream, which keeps
 * a seed's history identical however many requests are made in between.
 *
 * Behaviour follows the contract's emulator checklist (../shared/reference/powerbi-api.md §7):
 * schedules fire within 15 min of the slot (rarely up to an hour), one refresh per model at a time,
 * shared capacity capped at 8 refreshes a day, failures retried by the service as extra attempts,
 * the schedule disabled after 4 consecutive failures, history capped at 60 entries / 3 days.
 */
import { DAY, HOUR, MINUTE, type VirtualClock } from './clock.ts'
import {
  drawFailure,
  type ExceptionShape,
  type FailureContext,
  type FailureSpec,
  failureSpec,
  type RenderedFailure,
  renderFailure,
} from './failures.ts'
import { createRng, logNormal, type Rng } from './random.ts'
import {
  DAY_NAMES,
  type Dataflow,
  type Dataset,
  type Gateway,
  type Schedule,
  type Source,
  type Tenant,
  TIME_ZONES,
  type Workspace,
  type World,
} from './tenants.ts'

export type RefreshType = 'Scheduled' | 'OnDemand' | 'ViaApi' | 'ViaEnhancedApi'
export type RunStatus = 'Unknown' | 'Completed' | 'Failed' | 'Cancelled'

/** Refresh history keeps the latest 60 entries; older than 3 days are pruned above 20 (contract §3.4). */
export const HISTORY_MAX = 60
export const HISTORY_MIN = 20
export const HISTORY_AGE = 3 * DAY
/** Shared capacity: 8 scheduled + API refreshes per day (contract §5.2). */
export const SHARED_DAILY_LIMIT = 8
/** The schedule is switched off after this many failures in a row (contract §3.7). */
export const DISABLE_AFTER_FAILURES = 4
/** Maximum duration of one refresh (contract §3.7). */
export const MAX_DURATION = { shared: 2 * HOUR, premium: 5 * HOUR } as const
/** Dataflow transactions kept per dataflow; the real retention is undocumented (contract §3.8). */
export const TRANSACTIONS_MAX = 50

export interface Attempt {
  readonly attemptId: number
  readonly type: 'Data' | 'Query'
  readonly start: number
  end: number
  exceptionJson: string | undefined
}

export interface EnhancedInfo {
  readonly type: string
  readonly commitMode: string
  readonly objects: readonly { table: string; partition: string }[]
  /** Until then `extendedStatus` is NotStarted, afterwards InProgress (contract §6.4). */
  readonly notStartedUntil: number
}

export type Outcome =
  | { readonly kind: 'completed' }
  | { readonly kind: 'failed'; readonly spec: FailureSpec; readonly failure: RenderedFailure }
  | { readonly kind: 'cancelled' }

export interface Run {
  readonly requestId: string
  readonly id: number
  readonly refreshType: RefreshType
  readonly start: number
  plannedEnd: number
  /** Set when the run has finished; absent while it runs (`endTime` is then omitted). */
  end: number | undefined
  status: RunStatus
  outcome: Outcome
  attempts: Attempt[]
  readonly enhanced: EnhancedInfo | undefined
}

interface Forced {
  readonly code: string
  readonly variant: string | undefined
  readonly shape: ExceptionShape | undefined
  remaining: number
}

interface Slot {
  readonly slot: number
  readonly start: number
}

export interface DatasetState {
  readonly dataset: Dataset
  readonly workspace: Workspace
  readonly tenant: Tenant
  readonly rng: Rng
  /** Newest first. */
  history: Run[]
  running: Run | undefined
  nextSlot: Slot | undefined
  nextAdhoc: number | undefined
  consecutiveFailures: number
  forced: Forced | undefined
}

export type TransactionStatus = 'InProgress' | 'Success' | 'Failed' | 'Cancelled'

export interface Transaction {
  readonly id: string
  readonly refreshType: 'Scheduled' | 'OnDemand'
  readonly start: number
  readonly plannedEnd: number
  readonly plannedStatus: Exclude<TransactionStatus, 'InProgress'>
  status: TransactionStatus
  end: number | undefined
}

export interface DataflowState {
  readonly dataflow: Dataflow
  readonly workspace: Workspace
  readonly tenant: Tenant
  readonly rng: Rng
  /** Newest first. */
  transactions: Transaction[]
  running: Transaction | undefined
  nextSlot: Slot | undefined
  sequence: number
}

/** Why a refresh request was refused, in Power BI's terms (the routes turn it into a 400). */
export interface Refusal {
  readonly status: number
  readonly code: string
  readonly message: string
}

export interface EnhancedRequest {
  readonly type?: string | undefined
  readonly commitMode?: string | undefined
  readonly objects?: readonly { table: string; partition?: string | undefined }[] | undefined
}

/** Traits of a run the engine plants on purpose (the start-up guarantees above). */
interface RunScript {
  readonly duration?: number
  readonly cancelAfter?: number
}

const COLUMNS = ['CustomerKey', 'ProductKey', 'OrderDate', 'StoreID', 'NetAmount', 'EmployeeID']

function offsetMs(timeZone: string): number {
  return (TIME_ZONES[timeZone] ?? 0) * MINUTE
}

/** Start of the local day containing `t`, as epoch ms. */
export function localMidnight(t: number, timeZone: string): number {
  const off = offsetMs(timeZone)
  return Math.floor((t + off) / DAY) * DAY - off
}

/** The first schedule slot strictly after `after`, or undefined for an empty schedule. */
export function nextSlotAfter(schedule: Schedule, after: number): number | undefined {
  const off = offsetMs(schedule.localTimeZoneId)
  const times = schedule.times
    .map((hhmm) => {
      const [h = '0', m = '0'] = hhmm.split(':')
      return Number(h) * HOUR + Number(m) * MINUTE
    })
    .sort((a, b) => a - b)
  const firstLocalDay = Math.floor((after + off) / DAY) * DAY
  for (let d = 0; d <= 8; d++) {
    const localDay = firstLocalDay + d * DAY
    const dayName = DAY_NAMES[new Date(localDay).getUTCDay()]
    if (!dayName || !schedule.days.includes(dayName)) continue
    for (const time of times) {
      const slot = localDay + time - off
      if (slot > after) return slot
    }
  }
  return undefined
}

/** Power BI starts scheduled runs within 15 minutes of the slot, up to an hour under load (§3.7). */
function startJitter(rng: Rng): number {
  return rng.chance(0.95) ? rng.int(0, 15 * MINUTE) : rng.int(15 * MINUTE, 60 * MINUTE)
}

export class Scenario {
  readonly world: World
  readonly clock: VirtualClock
  readonly datasets = new Map<string, DatasetState>()
  readonly dataflows = new Map<string, DataflowState>()
  readonly gateways = new Map<string, Gateway>()
  readonly sources = new Map<string, Source>()
  private readonly datasetOrder: DatasetState[] = []
  private readonly dataflowOrder: DataflowState[] = []
  private nextId: number
  private simulatedTo: number

  constructor(world: World, clock: VirtualClock) {
    this.world = world
    this.clock = clock
    const seed = world.options.seed
    this.nextId = 1_277_000_000 + createRng(seed, 'ids').int(0, 999_999)
    // The generated past starts one retention window before the scenario start.
    const simStart = clock.startedAt - HISTORY_AGE
    this.simulatedTo = simStart
    for (const tenant of world.tenants) {
      for (const g of tenant.gateways) this.gateways.set(g.id, g)
      for (const s of tenant.sources) this.sources.set(s.id, s)
      for (const workspace of tenant.workspaces) {
        for (const dataset of workspace.datasets) {
          const rng = createRng(seed, `dataset:${String(dataset.index)}`)
          const state: DatasetState = {
            dataset,
            workspace,
            tenant,
            rng,
            history: [],
            running: undefined,
            nextSlot: undefined,
            nextAdhoc: undefined,
            consecutiveFailures: 0,
            forced: undefined,
          }
          if (dataset.importMode) {
            state.nextSlot = this.slotAfter(state.rng, dataset.schedule, simStart)
            state.nextAdhoc = simStart + rng.int(0, dataset.profile.orchestrated ? DAY : 3 * DAY)
          }
          this.datasets.set(dataset.id, state)
          this.datasetOrder.push(state)
        }
        for (const dataflow of workspace.dataflows) {
          const rng = createRng(seed, `dataflow:${String(dataflow.index)}`)
          const state: DataflowState = {
            dataflow,
            workspace,
            tenant,
            rng,
            transactions: [],
            running: undefined,
            nextSlot: this.slotAfter(rng, dataflow.schedule, simStart),
            sequence: 0,
          }
          this.dataflows.set(dataflow.objectId, state)
          this.dataflowOrder.push(state)
        }
      }
    }
    // Whatever the seed drew, each tenant shows a cancelled enhanced refresh (yesterday) and a
    // long run still in progress at the start (status Unknown, no endTime).
    this.advanceTo(clock.startedAt - 26 * HOUR)
    for (const tenant of world.tenants) {
      const st = this.datasetOrder.find(
        (s) => s.tenant === tenant && s.dataset.premium && s.dataset.importMode && !s.running,
      )
      if (!st) continue
      const cancelAfter = st.rng.int(10 * MINUTE, 40 * MINUTE)
      const enhanced = { type: 'Full', commitMode: 'Transactional' }
      this.startRun(st, 'ViaEnhancedApi', clock.startedAt - 26 * HOUR, enhanced, false, {
        cancelAfter,
      })
    }
    this.advanceTo(clock.startedAt - 20 * MINUTE)
    for (const tenant of world.tenants) {
      const candidates = this.datasetOrder.filter(
        (st) => st.tenant === tenant && st.dataset.importMode && !st.running,
      )
      const premium = candidates.find((st) => st.dataset.premium)
      const st = premium ?? candidates[0]
      if (!st) continue
      const duration = st.rng.int(45 * MINUTE, 90 * MINUTE)
      const type = premium ? 'ViaEnhancedApi' : 'OnDemand'
      this.startRun(
        st,
        type,
        clock.startedAt - 20 * MINUTE,
        premium ? { type: 'Full', commitMode: 'Transactional' } : undefined,
        false,
        { duration },
      )
    }
    this.advanceTo(clock.startedAt)
  }

  /** Runs the simulation up to the clock's now and returns it; every read starts with this. */
  sync(): number {
    const now = this.clock.now()
    this.advanceTo(now)
    return now
  }

  /** Processes every event up to `t`, earliest first (ties: world order, refresh ends first). */
  advanceTo(t: number): void {
    if (t < this.simulatedTo) return
    // Plain loops without closures: this runs for thousands of events on every seed.
    for (;;) {
      let bestTime = Number.POSITIVE_INFINITY
      let bestDataset: DatasetState | undefined
      let bestDataflow: DataflowState | undefined
      for (const st of this.datasetOrder) {
        const time = this.datasetDue(st)
        if (time <= t && time < bestTime) {
          bestTime = time
          bestDataset = st
        }
      }
      for (const st of this.dataflowOrder) {
        const time = this.dataflowDue(st)
        if (time <= t && time < bestTime) {
          bestTime = time
          bestDataset = undefined
          bestDataflow = st
        }
      }
      if (bestDataset) this.runDatasetEvent(bestDataset)
      else if (bestDataflow) this.runDataflowEvent(bestDataflow)
      else break
    }
    this.simulatedTo = t
    for (const st of this.datasetOrder) this.prune(st, t)
  }

  // ---------------------------------------------------------------- datasets

  private slotAfter(rng: Rng, schedule: Schedule, after: number): Slot | undefined {
    const slot = nextSlotAfter(schedule, after)
    return slot === undefined ? undefined : { slot, start: slot + startJitter(rng) }
  }

  private datasetDue(st: DatasetState): number {
    return Math.min(
      st.running ? st.running.plannedEnd : Number.POSITIVE_INFINITY,
      st.nextSlot ? st.nextSlot.start : Number.POSITIVE_INFINITY,
      st.nextAdhoc ?? Number.POSITIVE_INFINITY,
    )
  }

  /** Runs the model's earliest event; on a tie a refresh ends before the next one may start. */
  private runDatasetEvent(st: DatasetState): void {
    const due = this.datasetDue(st)
    if (st.running && st.running.plannedEnd === due) this.finish(st, st.running)
    else if (st.nextSlot && st.nextSlot.start === due) this.onSlot(st, st.nextSlot)
    else if (st.nextAdhoc === due) this.onAdhoc(st, due)
  }

  private onSlot(st: DatasetState, slot: Slot): void {
    st.nextSlot = this.slotAfter(st.rng, st.dataset.schedule, slot.slot)
    if (!st.dataset.schedule.enabled || st.running) return
    if (!st.dataset.premium && this.dailyCount(st, slot.start) >= SHARED_DAILY_LIMIT) return
    this.startRun(st, 'Scheduled', slot.start, undefined, true)
  }

  private onAdhoc(st: DatasetState, at: number): void {
    const orchestrated = st.dataset.profile.orchestrated
    st.nextAdhoc = at + (orchestrated ? st.rng.int(12 * HOUR, 30 * HOUR) : st.rng.int(DAY, 4 * DAY))
    if (st.running) return
    if (orchestrated) {
      this.startRun(st, 'ViaEnhancedApi', at, { type: 'Full', commitMode: 'Transactional' }, true)
    } else {
      this.startRun(st, 'OnDemand', at, undefined, true)
    }
  }

  /** Scheduled and API refreshes counted against the shared-capacity daily limit. */
  dailyCount(st: DatasetState, at: number): number {
    const since = localMidnight(at, st.dataset.schedule.localTimeZoneId)
    return st.history.filter(
      (r) => r.start >= since && (r.refreshType === 'Scheduled' || r.refreshType === 'ViaApi'),
    ).length
  }

  isGatewayDown(gateway: Gateway, t: number): boolean {
    let last: { at: number; down: boolean } | undefined
    for (const toggle of gateway.toggles) if (toggle.at <= t) last = toggle
    if (last?.down) return true
    // A manual "up" also ends a planned outage already under way.
    const upSince = last ? last.at : Number.NEGATIVE_INFINITY
    return gateway.outages.some((o) => o.from <= t && t < o.to && o.from >= upSince)
  }

  private failureContext(
    st: DatasetState,
    requestId: string,
    source: Source | undefined,
  ): FailureContext {
    const rng = st.rng
    return {
      requestId,
      activityId: rng.guid(),
      server:
        source?.connectionDetails.server ??
        source?.connectionDetails.url ??
        source?.connectionDetails.path ??
        'unknown',
      database: source?.connectionDetails.database ?? st.dataset.name,
      sourceKind: source?.kindName ?? 'data',
      table: rng.pick(st.dataset.tables),
      column: rng.pick(COLUMNS),
      account: source?.account ?? 'svc_pbi',
    }
  }

  /** Decides at start how a run ends: forced failure, gateway down, broken credentials, chance. */
  private planOutcome(
    st: DatasetState,
    type: RefreshType,
    at: number,
    requestId: string,
    background: boolean,
    scripted: RunScript,
  ): { outcome: Outcome; attempts: number; duration: number; cancelAfter?: number } {
    const { rng, dataset } = st
    const cap = (dataset.premium ? MAX_DURATION.premium : MAX_DURATION.shared) * 0.95
    const drawn = logNormal(rng, dataset.profile.median, dataset.profile.sigma)
    const full = Math.min(cap, scripted.duration ?? Math.max(20_000, drawn))
    if (scripted.cancelAfter !== undefined) {
      const cancelAfter = Math.min(full, scripted.cancelAfter)
      return { outcome: { kind: 'cancelled' }, attempts: 1, duration: full, cancelAfter }
    }
    const sources = dataset.sourceIds.flatMap((id) => this.sources.get(id) ?? [])
    const failed = (
      spec: FailureSpec,
      variant: string | undefined,
      shape: ExceptionShape,
      source: Source | undefined,
    ) => ({
      kind: 'failed' as const,
      spec,
      failure: renderFailure(spec, variant, shape, this.failureContext(st, requestId, source)),
    })
    const forced = st.forced
    if (forced) {
      forced.remaining -= 1
      if (forced.remaining <= 0) st.forced = undefined
      const spec = failureSpec(forced.code)
      if (spec) {
        return {
          outcome: failed(spec, forced.variant, forced.shape ?? 'flat', sources[0]),
          attempts: 1,
          duration: Math.max(15_000, full * 0.4),
        }
      }
    }
    const downSource = sources.find((s) => {
      const gateway = s.gatewayId ? this.gateways.get(s.gatewayId) : undefined
      return gateway !== undefined && this.isGatewayDown(gateway, at)
    })
    if (downSource) {
      const spec = failureSpec('DM_GWPipeline_Client_GatewayUnreachable')
      if (spec) {
        const shape = rng.chance(0.5) ? 'flat' : 'envelope'
        return {
          outcome: failed(spec, undefined, shape, downSource),
          attempts: 2,
          duration: rng.int(30_000, 90_000),
        }
      }
    }
    const broken = sources.find((s) => s.credentials && s.credentials.brokenSince <= at)
    if (broken?.credentials) {
      const code =
        broken.via === 'gateway'
          ? rng.pick([
              'DM_GWPipeline_Gateway_DataSourceAccessError',
              'DM_GWPipeline_Gateway_MashupDataAccessError',
            ])
          : broken.credentials.reason === 'missing'
            ? 'DMTS_DatasourceHasNoCredentialError'
            : broken.credentialType === 'OAuth2'
              ? 'DMTS_OAuthTokenRefreshFailedError'
              : 'ModelRefreshFailed_CredentialsNotSpecified'
      const spec = failureSpec(code)
      if (spec) {
        const shape = rng.chance(0.5) ? 'flat' : 'envelope'
        return {
          outcome: failed(spec, 'login-failed', shape, broken),
          attempts: 1,
          duration: rng.int(8_000, 60_000),
        }
      }
    }
    if (background && type === 'ViaEnhancedApi' && rng.chance(0.15)) {
      return {
        outcome: { kind: 'cancelled' },
        attempts: 1,
        duration: full,
        cancelAfter: full * (0.2 + rng.next() * 0.6),
      }
    }
    if (rng.chance(dataset.profile.failureRate)) {
      const viaGateway = sources.some((s) => s.via === 'gateway')
      const draw = drawFailure(rng, { viaGateway, enhanced: type === 'ViaEnhancedApi' })
      const attempts = rng.int(1, 3)
      return {
        outcome: failed(draw.spec, draw.variant, draw.shape, sources[0]),
        attempts,
        duration: Math.min(cap, full * (0.3 + rng.next() * 0.6)),
      }
    }
    return { outcome: { kind: 'completed' }, attempts: 1, duration: full }
  }

  /** Lays out the attempts of a run: failed ones retried after a pause, Data then Query on success. */
  private planAttempts(
    rng: Rng,
    start: number,
    plan: ReturnType<Scenario['planOutcome']>,
  ): Attempt[] {
    const { outcome } = plan
    if (outcome.kind === 'cancelled') {
      return [
        {
          attemptId: 1,
          type: 'Data',
          start,
          end: start + (plan.cancelAfter ?? plan.duration),
          exceptionJson: undefined,
        },
      ]
    }
    if (outcome.kind === 'completed') {
      const end = start + plan.duration
      if (!rng.chance(0.6))
        return [{ attemptId: 1, type: 'Data', start, end, exceptionJson: undefined }]
      const dataEnd = start + Math.round(plan.duration * 0.95)
      return [
        { attemptId: 1, type: 'Data', start, end: dataEnd, exceptionJson: undefined },
        {
          attemptId: 1,
          type: 'Query',
          start: dataEnd + 3,
          end: Math.max(end, dataEnd + 4),
          exceptionJson: undefined,
        },
      ]
    }
    const attempts: Attempt[] = []
    const each = Math.max(5_000, Math.round(plan.duration / plan.attempts))
    let t = start
    for (let i = 1; i <= plan.attempts; i++) {
      attempts.push({
        attemptId: i,
        type: 'Data',
        start: t,
        end: t + each,
        exceptionJson: outcome.failure.attemptExceptionJson,
      })
      t += each + rng.int(2 * MINUTE, 3 * MINUTE)
    }
    return attempts
  }

  private startRun(
    st: DatasetState,
    type: RefreshType,
    at: number,
    enhanced: EnhancedRequest | undefined,
    background: boolean,
    scripted: RunScript = {},
  ): Run {
    const rng = st.rng
    const requestId = rng.guid()
    const plan = this.planOutcome(st, type, at, requestId, background, scripted)
    const attempts = this.planAttempts(rng, at, plan)
    const last = attempts[attempts.length - 1]
    const tables = enhanced?.objects?.length
      ? enhanced.objects.map((o) => o.table)
      : st.dataset.tables
    const run: Run = {
      requestId,
      id: this.nextId++,
      refreshType: type,
      start: at,
      plannedEnd: last ? last.end : at + plan.duration,
      end: undefined,
      status: 'Unknown',
      outcome: plan.outcome,
      attempts,
      enhanced:
        type === 'ViaEnhancedApi'
          ? {
              type: enhanced?.type ?? 'Automatic',
              commitMode: enhanced?.commitMode ?? 'Transactional',
              objects: tables.map((table) => ({ table, partition: table })),
              notStartedUntil: at + rng.int(2_000, 8_000),
            }
          : undefined,
    }
    st.running = run
    st.history.unshift(run)
    this.prune(st, at)
    return run
  }

  private finish(st: DatasetState, run: Run): void {
    st.running = undefined
    run.end = run.plannedEnd
    switch (run.outcome.kind) {
      case 'completed':
        run.status = 'Completed'
        st.consecutiveFailures = 0
        break
      case 'cancelled':
        run.status = 'Cancelled'
        break
      case 'failed':
        run.status = 'Failed'
        st.consecutiveFailures += 1
        if (st.consecutiveFailures >= DISABLE_AFTER_FAILURES) st.dataset.schedule.enabled = false
        break
    }
  }

  /** Keeps the latest 60; drops entries older than 3 days while more than 20 remain (§3.4). */
  private prune(st: DatasetState, now: number): void {
    while (st.history.length > HISTORY_MAX) st.history.pop()
    for (;;) {
      const oldest = st.history[st.history.length - 1]
      if (!oldest || st.history.length <= HISTORY_MIN || oldest.start >= now - HISTORY_AGE) break
      st.history.pop()
    }
  }

  // ---------------------------------------------------------------- dataflows

  private dataflowDue(st: DataflowState): number {
    return Math.min(
      st.running ? st.running.plannedEnd : Number.POSITIVE_INFINITY,
      st.nextSlot ? st.nextSlot.start : Number.POSITIVE_INFINITY,
    )
  }

  private runDataflowEvent(st: DataflowState): void {
    if (st.running && st.running.plannedEnd === this.dataflowDue(st))
      this.finishTransaction(st, st.running)
    else if (st.nextSlot) this.onDataflowSlot(st, st.nextSlot)
  }

  private onDataflowSlot(st: DataflowState, slot: Slot): void {
    st.nextSlot = this.slotAfter(st.rng, st.dataflow.schedule, slot.slot)
    if (st.running) return
    this.startTransaction(st, 'Scheduled', slot.start)
  }

  startTransaction(
    st: DataflowState,
    refreshType: 'Scheduled' | 'OnDemand',
    at: number,
  ): Transaction {
    const { rng, dataflow } = st
    const duration = Math.max(
      30_000,
      logNormal(rng, dataflow.profile.median, dataflow.profile.sigma),
    )
    const gatewayDown = dataflow.sourceIds.some((id) => {
      const gatewayId = this.sources.get(id)?.gatewayId
      const gateway = gatewayId ? this.gateways.get(gatewayId) : undefined
      return gateway !== undefined && this.isGatewayDown(gateway, at)
    })
    const plannedStatus =
      gatewayDown || rng.chance(dataflow.profile.failureRate)
        ? 'Failed'
        : rng.chance(0.03)
          ? 'Cancelled'
          : 'Success'
    st.sequence += 1
    // Transaction ids look like "<ISO timestamp with 7 decimals>@<guid>$<n>" (contract §3.8).
    const iso = new Date(at)
      .toISOString()
      .replace(/\.(\d{3})Z$/, `.$1${String(rng.int(0, 9999)).padStart(4, '0')}Z`)
    const tx: Transaction = {
      id: `${iso}@${rng.guid()}$${String(st.sequence)}`,
      refreshType,
      start: at,
      plannedEnd: at + (gatewayDown ? rng.int(30_000, 90_000) : duration),
      plannedStatus,
      status: 'InProgress',
      end: undefined,
    }
    st.running = tx
    st.transactions.unshift(tx)
    if (st.transactions.length > TRANSACTIONS_MAX) st.transactions.length = TRANSACTIONS_MAX
    return tx
  }

  private finishTransaction(st: DataflowState, tx: Transaction): void {
    st.running = undefined
    tx.status = tx.plannedStatus
    tx.end = tx.plannedEnd
  }

  // ---------------------------------------------------------------- actions (API and control)

  /** POST .../refreshes: validates like the service (contract §3.6, §7 item 4), then starts a run. */
  triggerRefresh(
    st: DatasetState,
    body: { notifyOption?: string | undefined; enhanced: EnhancedRequest | undefined },
  ): Run | Refusal {
    const now = this.sync()
    const bad = (message: string): Refusal => ({ status: 400, code: 'InvalidRequest', message })
    if (!st.dataset.importMode) {
      return bad(
        'Refresh is not supported for a semantic model that uses only DirectQuery or a live connection',
      )
    }
    if (body.enhanced && !st.dataset.premium) {
      return bad(
        'Enhanced refresh parameters are only supported for semantic models on a Premium, Premium Per User, Embedded or Fabric capacity',
      )
    }
    if (body.enhanced && body.notifyOption !== undefined) {
      return bad('notifyOption cannot be combined with enhanced refresh parameters')
    }
    if (body.notifyOption !== undefined && body.notifyOption !== 'NoNotification') {
      return bad('A service principal can only use notifyOption NoNotification')
    }
    if (st.running)
      return bad('Another refresh request is already executing for this semantic model')
    if (!st.dataset.premium && this.dailyCount(st, now) >= SHARED_DAILY_LIMIT) {
      return bad(
        'Invalid dataset refresh request. Number of refresh requests in last 24 hours exceeded limit',
      )
    }
    return this.startRun(st, body.enhanced ? 'ViaEnhancedApi' : 'ViaApi', now, body.enhanced, false)
  }

  /** DELETE .../refreshes/{id}: only enhanced refreshes that are still running can be cancelled. */
  cancelRefresh(
    st: DatasetState,
    requestId: string,
  ): 'cancelled' | 'not-found' | 'not-cancellable' {
    const now = this.sync()
    const run = st.history.find((r) => r.requestId.toLowerCase() === requestId.toLowerCase())
    if (!run?.enhanced) return 'not-found'
    if (run.status !== 'Unknown') return 'not-cancellable'
    run.outcome = { kind: 'cancelled' }
    run.attempts = run.attempts.filter((a) => a.start <= now)
    for (const a of run.attempts) {
      if (a.end > now) a.end = now
      a.exceptionJson = undefined
    }
    run.plannedEnd = now
    this.finish(st, run)
    return 'cancelled'
  }

  /** Control API: an on-demand refresh, as if someone clicked "Refresh now". */
  refreshNow(st: DatasetState): Run | Refusal {
    this.sync()
    if (!st.dataset.importMode)
      return { status: 400, code: 'InvalidRequest', message: 'DirectQuery model' }
    if (st.running)
      return { status: 409, code: 'InvalidRequest', message: 'A refresh is already running' }
    return this.startRun(st, 'OnDemand', this.clock.now(), undefined, false)
  }

  refreshDataflowNow(st: DataflowState): Transaction | Refusal {
    const now = this.sync()
    if (st.running)
      return { status: 409, code: 'InvalidRequest', message: 'A refresh is already running' }
    return this.startTransaction(st, 'OnDemand', now)
  }

  /** Control API: the next `count` refreshes of the model fail with `code`. */
  forceFailure(
    st: DatasetState,
    code: string,
    count: number,
    variant?: string,
    shape?: ExceptionShape,
  ): void {
    this.sync()
    st.forced = { code, variant, shape, remaining: count }
  }

  setGatewayDown(gateway: Gateway, down: boolean): void {
    const now = this.sync()
    gateway.toggles.push({ at: now, down })
  }

  setCredentials(source: Source, state: 'ok' | 'expired' | 'missing'): void {
    const now = this.sync()
    source.credentials = state === 'ok' ? null : { brokenSince: now, reason: state }
  }

  setScheduleEnabled(st: DatasetState, enabled: boolean): void {
    this.sync()
    st.dataset.schedule.enabled = enabled
    if (enabled) st.consecutiveFailures = 0
  }

  /** The gateway data source's health as the status endpoint reports it (contract §3.9). */
  datasourceStatus(source: Source): 'ok' | 'gateway-down' | 'credentials' {
    const now = this.sync()
    const gateway = source.gatewayId ? this.gateways.get(source.gatewayId) : undefined
    if (gateway && this.isGatewayDown(gateway, now)) return 'gateway-down'
    if (source.credentials && source.credentials.brokenSince <= now) return 'credentials'
    return 'ok'
  }
}
