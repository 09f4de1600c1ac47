// CopyRows: the bulk path, COPY ... FROM STDIN in text format.
#include <string>

#include "db/postgres/postgres_codec.h"
#include "db/postgres/postgres_connection.h"
#include "db/postgres/postgres_database.h"

namespace ferry {
namespace {

// Rows are sent in chunks of about this many bytes: big enough to keep the
// socket busy, small enough not to double memory for huge loads.
constexpr size_t kCopyChunkBytes = 1 << 20;

}  // namespace

Status CopyRows(Database* db, std::string_view table, const std::vector<std::string>& columns,
                const std::vector<std::vector<Value>>& rows) {
  auto* pg = dynamic_cast<PostgresConnection*>(db);
  if (pg == nullptr)
    return InvalidArgument("CopyRows needs a postgres database, not " +
                           std::string(db ? db->engine() : "null"));
  // Validate everything before the COPY starts, so a bad row loads nothing
  // and costs no round trip.
  const size_t width = columns.empty() ? (rows.empty() ? 0 : rows[0].size()) : columns.size();
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != width)
      return InvalidArgument("CopyRows into " + std::string(table) + ": row " + std::to_string(i) +
                             " has " + std::to_string(rows[i].size()) + " values, expected " +
                             std::to_string(width));
  }

  std::string sql = "COPY " + pg->QuoteIdentifier(table);
  if (!columns.empty()) {
    sql += " (";
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += pg->QuoteIdentifier(columns[i]);
    }
    sql += ")";
  }
  sql += " FROM STDIN";

  FERRY_RETURN_IF_ERROR(pg->StartCall());
  PGconn* conn = pg->conn();
  {
    pg::ResultPtr res(PQexec(conn, sql.c_str()));
    FERRY_RETURN_IF_ERROR(pg->Check(res.get(), PGRES_COPY_IN).WithContext("COPY " + std::string(table)));
  }

  Status send_error;
  std::string buf;
  buf.reserve(kCopyChunkBytes + 4096);
  auto flush = [&]() {
    if (buf.empty() || !send_error.ok()) return;
    if (PQputCopyData(conn, buf.data(), static_cast<int>(buf.size())) != 1)
      send_error = pg->ConnectionError("sending COPY data");
    buf.clear();
  };
  for (const auto& row : rows) {
    pg::AppendCopyRow(row, &buf);
    if (buf.size() >= kCopyChunkBytes) flush();
    if (!send_error.ok()) break;
  }
  flush();
  // An error message here makes the server fail (and undo) the COPY.
  if (PQputCopyEnd(conn, send_error.ok() ? nullptr : "ferry: sending COPY data failed") != 1 &&
      send_error.ok())
    send_error = pg->ConnectionError("ending COPY");

  // The outcome arrives as one result; read until NULL so the connection is
  // ready for the next command (DEPENDENCIES.md: after PQputCopyEnd,
  // PQgetResult until NULL).
  Status outcome;
  bool seen = false;
  while (PGresult* r = PQgetResult(conn)) {
    pg::ResultPtr res(r);
    if (!seen) {
      outcome = pg->Check(res.get(), PGRES_COMMAND_OK);
      seen = true;
    }
    if (PQresultStatus(r) == PGRES_COPY_IN) {  // only if PQputCopyEnd failed
      if (PQputCopyEnd(conn, "ferry: COPY abandoned") != 1) break;
    }
    if (PQstatus(conn) != CONNECTION_OK) break;
  }
  if (!seen && outcome.ok()) outcome = pg->ConnectionError("COPY result");
  if (!send_error.ok()) outcome = send_error;
  return outcome.WithContext("COPY " + std::string(table));
}

}  // namespace ferry
