// CopyOut / CopyIn: COPY streamed through callbacks, for whole-table dumps
// and reloads (the COPY-based archive). Neither holds more than one chunk in
// memory, whatever the table's size.
#include <string>

#include "db/postgres/postgres_connection.h"
#include "db/postgres/postgres_database.h"

namespace ferry {
namespace {

Result<PostgresConnection*> AsPostgres(Database* db, const char* what) {
  auto* pg = dynamic_cast<PostgresConnection*>(db);
  if (pg == nullptr)
    return InvalidArgument(std::string(what) + " needs a postgres database, not " +
                           std::string(db ? db->engine() : "null"));
  return pg;
}

// Reads results until NULL (DEPENDENCIES.md: the connection is only ready
// for the next command after that); the first one is the COPY's outcome.
// `rows` gets the count of the COPY's command tag ("COPY 42").
Status FinishCopy(PostgresConnection* pg, int64_t* rows) {
  PGconn* conn = pg->conn();
  Status outcome;
  bool seen = false;
  while (PGresult* r = PQgetResult(conn)) {
    pg::ResultPtr res(r);
    if (!seen) {
      outcome = pg->Check(res.get(), PGRES_COMMAND_OK);
      if (outcome.ok()) *rows = PostgresConnection::RowsAffected(res.get());
      seen = true;
    }
    if (PQresultStatus(r) == PGRES_COPY_IN) {  // only if PQputCopyEnd failed
      if (PQputCopyEnd(conn, "ferry: COPY abandoned") != 1) break;
    }
    if (PQstatus(conn) != CONNECTION_OK) break;
  }
  if (!seen && outcome.ok()) outcome = pg->ConnectionError("COPY result");
  return outcome;
}

}  // namespace

bool CanStreamCopy(Database* db) { return dynamic_cast<PostgresConnection*>(db) != nullptr; }

Result<int64_t> CopyOut(Database* db, std::string_view sql, const CopyOutSink& sink) {
  FERRY_ASSIGN_OR_RETURN(PostgresConnection * pg, AsPostgres(db, "CopyOut"));
  FERRY_RETURN_IF_ERROR(pg->StartCall());
  PGconn* conn = pg->conn();
  {
    pg::ResultPtr res(PQexec(conn, std::string(sql).c_str()));
    FERRY_RETURN_IF_ERROR(pg->Check(res.get(), PGRES_COPY_OUT));
  }
  Status sink_error;
  bool cancelled = false;
  while (true) {
    char* buf = nullptr;
    int n = PQgetCopyData(conn, &buf, /*async=*/0);
    if (n > 0) {
      if (sink_error.ok()) {
        sink_error = sink(std::string_view(buf, static_cast<size_t>(n)));
      }
      PQfreemem(buf);
      // The sink failed (disk full): ask the server to stop rather than
      // stream the rest of the table into nowhere; the rows still in flight
      // are read and dropped below.
      if (!sink_error.ok() && !cancelled) {
        cancelled = true;
        if (PGcancel* c = PQgetCancel(conn)) {
          char err[256];
          (void)PQcancel(c, err, sizeof err);
          PQfreeCancel(c);
        }
      }
      continue;
    }
    if (n == -1) break;  // done: the outcome comes from PQgetResult
    return pg->ConnectionError("reading COPY data");  // -2
  }
  int64_t rows = 0;
  Status outcome = FinishCopy(pg, &rows);
  if (!sink_error.ok()) return sink_error;
  FERRY_RETURN_IF_ERROR(outcome);
  return rows;
}

Result<int64_t> CopyIn(Database* db, std::string_view sql, const CopyInSource& source) {
  FERRY_ASSIGN_OR_RETURN(PostgresConnection * pg, AsPostgres(db, "CopyIn"));
  FERRY_RETURN_IF_ERROR(pg->StartCall());
  PGconn* conn = pg->conn();
  {
    pg::ResultPtr res(PQexec(conn, std::string(sql).c_str()));
    FERRY_RETURN_IF_ERROR(pg->Check(res.get(), PGRES_COPY_IN));
  }
  std::string buf(kCopyStreamChunkBytes, '\0');
  Status error;
  while (true) {
    Result<size_t> n = source(buf.data(), buf.size());
    if (!n.ok()) {
      error = n.status();
      break;
    }
    if (*n == 0) break;
    if (PQputCopyData(conn, buf.data(), static_cast<int>(*n)) != 1) {
      error = pg->ConnectionError("sending COPY data");
      break;
    }
  }
  // An error message makes the server fail (and undo) the COPY.
  if (PQputCopyEnd(conn, error.ok() ? nullptr : "ferry: reading the COPY source failed") != 1 &&
      error.ok())
    error = pg->ConnectionError("ending COPY");
  int64_t rows = 0;
  Status outcome = FinishCopy(pg, &rows);
  if (!error.ok()) return error;
  FERRY_RETURN_IF_ERROR(outcome);
  return rows;
}

}  // namespace ferry
