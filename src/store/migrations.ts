import { HubError } from '../../hal/errors.js';
import { StoreError } from './errors.js';
import type { LevelStore } from './level-store.js';
import type { Migration } from './store.js';

/** Migrations must be numbered 1, 2, 3... in order: a gap would silently skip a schema change. */
export function checkMigrations(migrations: readonly Migration[]): readonly Migration[] {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new StoreError(
        'STORE_MIGRATION_FAILED',
        `migration ${index + 1} in the list says version ${migration.version}; migrations must be numbered 1, 2, 3... in order`,
        { where: migration.description },
      );
    }
  });
  return migrations;
}

/**
 * Bring the store up to the newest version. Each migration's writes commit in one batch together
 * with its version number, so a crash mid-migration leaves the store at the previous version,
 * and the migration runs again at the next open.
 */
export async function runMigrations(store: LevelStore, migrations: readonly Migration[], versionKey: string): Promise<void> {
  const latest = migrations.length;
  if (store.schemaVersion > latest) {
    throw new StoreError(
      'STORE_SCHEMA_TOO_NEW',
      `the data has schema version ${store.schemaVersion} but this runtime knows only up to ${latest}; run a newer release`,
      { where: store.path },
    );
  }
  for (const migration of migrations.slice(store.schemaVersion)) {
    const batch = store.batch();
    try {
      await migration.up({ domain: (spec) => store.domain(spec), batch });
      await batch.write([store.metaPut(versionKey, migration.version)]);
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : String(cause);
      const code = cause instanceof HubError ? ` [${cause.code}]` : '';
      throw new StoreError(
        'STORE_MIGRATION_FAILED',
        `migration to version ${migration.version} (${migration.description}) failed: ${why}${code}; the store stays at version ${store.schemaVersion}`,
        { where: store.path, cause },
      );
    }
    store.schemaVersion = migration.version;
  }
}
