/**
 * First monitoring schema. Frozen in time: never edit after release, add a new migration instead.
 * Dialect branches are explicit (style-anchors §4.3.3): auto-increment keys and the 64-bit
 * timestamp type differ; everything else is the same SQL.
 */
import { type ColumnDefinitionBuilder, type Kysely, type Migration, sql } from 'kysely'
import type { Dialect } from '../create-db.ts'

export function migration(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer'
  const id = (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres'
      ? c.primaryKey().generatedByDefaultAsIdentity()
      : c.primaryKey().autoIncrement()
  const idType = dialect === 'postgres' ? 'bigint' : 'integer'

  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tenants')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('secret_enc', 'text', (c) => c.notNull())
        .addColumn('authority_host', 'text')
        .addColumn('api_url', 'text')
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('workspaces')
        .addColumn('tenant_key', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('premium', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('access', 'text', (c) => c.notNull())
        .addColumn('seen_at', time, (c) => c.notNull())
        .addColumn('gone_at', time)
        .addPrimaryKeyConstraint('workspaces_pk', ['tenant_key', 'id'])
        .execute()

      await db.schema
        .createTable('models')
        .addColumn('tenant_key', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('refreshable', 'integer', (c) => c.notNull())
        .addColumn('premium', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('schedule_json', 'text')
        .addColumn('schedule_enabled', 'integer')
        .addColumn('schedule_seen_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('schedule_read_at', time)
        .addColumn('gateway_ids', 'text')
        .addColumn('datasources_read_at', time)
        .addColumn('in_refreshables', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_request_id', 'text')
        .addColumn('last_status', 'text')
        .addColumn('history_polled_at', time)
        .addColumn('seen_at', time, (c) => c.notNull())
        .addColumn('gone_at', time)
        .addPrimaryKeyConstraint('models_pk', ['tenant_key', 'id'])
        .execute()

      await db.schema
        .createTable('dataflows')
        .addColumn('tenant_key', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('polled_at', time)
        .addColumn('seen_at', time, (c) => c.notNull())
        .addColumn('gone_at', time)
        .addPrimaryKeyConstraint('dataflows_pk', ['tenant_key', 'id'])
        .execute()

      await db.schema
        .createTable('gateways')
        .addColumn('tenant_key', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text')
        .addColumn('seen_at', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('gateways_pk', ['tenant_key', 'id'])
        .execute()

      await db.schema
        .createTable('gateway_datasources')
        .addColumn('tenant_key', 'text', (c) => c.notNull())
        .addColumn('gateway_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('checked_at', time)
        .addPrimaryKeyConstraint('gateway_datasources_pk', ['tenant_key', 'gateway_id', 'id'])
        .execute()

      await db.schema
        .createTable('refreshes')
        .addColumn('id', idType, id)
        .addColumn('tenant_key', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('item_kind', 'text', (c) => c.notNull())
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('refresh_type', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('extended_status', 'text')
        .addColumn('start_at', time)
        .addColumn('end_at', time)
        .addColumn('duration_ms', 'integer')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('error_code', 'text')
        .addColumn('raw_json', 'text', (c) => c.notNull())
        .addColumn('diagnosis_slug', 'text')
        .addColumn('diagnosis_category', 'text')
        .addColumn('diagnosis_json', 'text')
        .addColumn('kb_fingerprint', 'text')
        .addColumn('first_seen_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute()
      // Dedupe on requestId: the same refresh read twice (or after a restart) is one row.
      await db.schema
        .createIndex('refreshes_request_uq')
        .on('refreshes')
        .columns(['tenant_key', 'item_kind', 'item_id', 'request_id'])
        .unique()
        .execute()
      await db.schema
        .createIndex('refreshes_item_start_ix')
        .on('refreshes')
        .columns(['tenant_key', 'item_id', 'start_at'])
        .execute()
      await db.schema.createIndex('refreshes_start_ix').on('refreshes').column('start_at').execute()

      await db.schema
        .createTable('incidents')
        .addColumn('id', idType, id)
        .addColumn('tenant_key', 'text', (c) => c.notNull())
        .addColumn('subject_kind', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('condition', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('opened_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .addColumn('resolved_at', time)
        .addColumn('snoozed_until', time)
        .addColumn('occurrences', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('last_key', 'text')
        .addColumn('diagnosis_slug', 'text')
        .addColumn('diagnosis_category', 'text')
        .addColumn('diagnosis_json', 'text')
        .addColumn('details_json', 'text')
        .execute()
      // One open incident per (subject, condition): a partial unique index, valid on both dialects.
      await db.schema
        .createIndex('incidents_open_uq')
        .on('incidents')
        .columns(['tenant_key', 'subject_kind', 'subject_id', 'condition'])
        .unique()
        .where(sql.ref('state'), '<>', 'resolved')
        .execute()

      await db.schema
        .createTable('incident_events')
        .addColumn('id', idType, id)
        .addColumn('incident_id', idType, (c) =>
          c.notNull().references('incidents.id').onDelete('cascade'),
        )
        .addColumn('at', time, (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('data_json', 'text')
        .execute()
      await db.schema
        .createIndex('incident_events_incident_ix')
        .on('incident_events')
        .column('incident_id')
        .execute()

      await db.schema
        .createTable('poll_state')
        .addColumn('tenant_key', 'text', (c) => c.primaryKey())
        .addColumn('last_cycle_started_at', time)
        .addColumn('last_cycle_ok_at', time)
        .addColumn('last_inventory_at', time)
        .addColumn('last_error_code', 'text')
        .addColumn('last_error_at', time)
        .addColumn('signin_failing_since', time)
        .addColumn('throttled_since', time)
        .addColumn('admin_api', 'integer')
        .addColumn('coverage_json', 'text')
        .execute()

      await db.schema
        .createTable('daily_rollups')
        .addColumn('tenant_key', 'text', (c) => c.notNull())
        .addColumn('item_kind', 'text', (c) => c.notNull())
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('refreshes', 'integer', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('total_duration_ms', time, (c) => c.notNull())
        .addColumn('max_duration_ms', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('daily_rollups_pk', ['tenant_key', 'item_kind', 'item_id', 'day'])
        .execute()

      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute()
    },

    async down(db: Kysely<unknown>) {
      for (const table of [
        'meta',
        'daily_rollups',
        'poll_state',
        'incident_events',
        'incidents',
        'refreshes',
        'gateway_datasources',
        'gateways',
        'dataflows',
        'models',
        'workspaces',
        'tenants',
      ]) {
        await db.schema.dropTable(table).ifExists().execute()
      }
    },
  }
}
