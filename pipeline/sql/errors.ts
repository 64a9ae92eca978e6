// Errors of the SQL layer: a query the user wrote failed, or invariants found offending rows.
import { FluxtureError } from "../errors.ts";

/** A SQL statement failed in DuckDB (syntax, unknown column, bad cast…); the message is DuckDB's first line. */
export class QueryError extends FluxtureError {}

/** One or more sql/checks returned rows; the per-check lines were already printed. */
export class ChecksFailedError extends FluxtureError {
  readonly failed: number;
  constructor(failed: number, total: number) {
    super(`${failed} of ${total} checks failed`);
    this.failed = failed;
  }
}
