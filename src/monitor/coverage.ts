/** What the principal cannot see, and why (peers.md §4 item 4, §5 item 6). */
export interface CoverageGap {
  /** tenant | admin | workspace | gateway | model */
  readonly scope: string
  readonly id: string | null
  readonly name: string | null
  readonly reason: string
  readonly code: string | null
}

export interface CoverageReport {
  readonly tenantKey: string
  readonly workspacesVisible: number
  readonly workspacesAdminOnly: number
  readonly adminApi: boolean | null
  readonly gaps: readonly CoverageGap[]
}
