import { expect } from 'chai';
import { replicaStatusOf } from '../../../src/routing/follow/replica-status.js';
import { formatSnapshots } from '../../../src/cli/control-command.js';
import type { SnapshotStatus } from '../../../src/routing/contract.js';

// A replica's state as SHOW SLAVE STATUS reports it (the columns a MariaDB
// 10.11 replica returns), and how status prints it beside a snapshot.
describe('replica status (scale-out.md, what to monitor)', () => {
  const AT = Date.UTC(2026, 10, 30, 6, 0, 0);
  const row = (fields: Record<string, unknown>): Record<string, unknown> => ({
    Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Seconds_Behind_Master: 0, Last_IO_Error: '', Last_SQL_Error: '', ...fields,
  });

  it('a running replica: both threads and its lag', () => {
    expect(replicaStatusOf(row({ Seconds_Behind_Master: 3 }), AT)).to.deep.equal({
      io_running: true, sql_running: true, lag_s: 3, last_error: null, checked_at: '2026-11-30T06:00:00.000Z',
    });
  });

  it('a stopped replica: no lag known (NULL), the threads say why', () => {
    expect(replicaStatusOf(row({ Slave_IO_Running: 'No', Slave_SQL_Running: 'No', Seconds_Behind_Master: null }), AT)).to.include({ io_running: false, sql_running: false, lag_s: null });
    // "Connecting" is not running: the primary is not reachable.
    expect(replicaStatusOf(row({ Slave_IO_Running: 'Connecting', Seconds_Behind_Master: null }), AT)).to.include({ io_running: false, sql_running: true, lag_s: null });
  });

  it("MySQL's SHOW REPLICA STATUS columns", () => {
    expect(replicaStatusOf({ Replica_IO_Running: 'Yes', Replica_SQL_Running: 'No', Seconds_Behind_Source: null, Last_SQL_Error: 'stopped', Last_IO_Error: '' }, AT))
      .to.include({ io_running: true, sql_running: false, lag_s: null, last_error: 'stopped' });
  });

  it('the SQL error first, else the I/O error', () => {
    expect(replicaStatusOf(row({ Slave_SQL_Running: 'No', Last_SQL_Error: "Could not execute Delete_rows_v1 event on table routing.routing_changes", Last_IO_Error: 'x' }), AT).last_error)
      .to.equal('Could not execute Delete_rows_v1 event on table routing.routing_changes');
    expect(replicaStatusOf(row({ Last_IO_Error: 'error connecting to master' }), AT).last_error).to.equal('error connecting to master');
  });

  it('status prints where a snapshot writes and its replica under the table, and nothing more without them', () => {
    const base: SnapshotStatus = {
      dsn: 'mysql://router:***@localhost/routing?socket=/r/1.sock', db_write: null, poll_ms: 250, reconcile_s: 300, listeners: 1, source: 'snapshot', generation: 3, rows: 10,
      last_sync: '2026-11-30T06:00:00.000Z', age_ms: 100, triggers: true, last_error: null, full_load_ms: 20, bad_rows: 0, replica: null,
    };
    expect(formatSnapshots([base])).to.not.match(/writes to|replica/);
    const text = formatSnapshots([{ ...base, db_write: 'mysql://router:***@primary/routing', replica: { io_running: false, sql_running: false, lag_s: null, last_error: null, checked_at: '2026-11-30T06:00:00.000Z' } }]);
    expect(text).to.include('  mysql://router:***@localhost/routing?socket=/r/1.sock: writes to mysql://router:***@primary/routing; replica STOPPED, lag unknown\n');
    const running = formatSnapshots([{ ...base, replica: { io_running: true, sql_running: true, lag_s: 2, last_error: null, checked_at: '2026-11-30T06:00:00.000Z' } }]);
    expect(running).to.include(': replica replicating, lag 2 s\n');
  });
});
