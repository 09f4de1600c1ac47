#include "jobs/reshape/reshape_sql.h"

namespace ferry {

const char* const kReshapeStepNames[9] = {
    "pre-check",      "snapshot backup", "create new table", "capture changes", "copy rows",
    "verify",         "build indexes",   "swap",             "keep old table"};

namespace {

std::string ReplaceAll(std::string s, std::string_view from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

std::string Param(int i) { return "$" + std::to_string(i); }

}  // namespace

ReshapeSql::ReshapeSql(Dialect dialect, const ReshapePlan& plan, std::vector<std::string> old_columns)
    : dialect_(dialect), plan_(plan), old_columns_(std::move(old_columns)) {}

std::string ReshapeSql::Quote(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string ReshapeSql::Replace(std::string s) const {
  s = ReplaceAll(std::move(s), "{new}", new_table());
  return ReplaceAll(std::move(s), "{old}", table());
}

std::string ReshapeSql::KeyList(const std::string& alias) const {
  std::string out;
  for (size_t i = 0; i < plan_.key.size(); ++i)
    out += (i ? ", " : "") + (alias.empty() ? "" : alias + ".") + Quote(plan_.key[i]);
  return out;
}

std::string ReshapeSql::KeyCompare(const std::string& op, int first_param,
                                   const std::string& alias) const {
  if (plan_.key.size() == 1) return KeyList(alias) + " " + op + " " + Param(first_param);
  std::string params;
  for (size_t i = 0; i < plan_.key.size(); ++i)
    params += (i ? ", " : "") + Param(first_param + static_cast<int>(i));
  return "(" + KeyList(alias) + ") " + op + " (" + params + ")";
}

std::string ReshapeSql::RangeWhere(bool lower, bool upper, const std::string& alias) const {
  std::string w;
  int next = 1;
  if (lower) {
    w = KeyCompare(">", next, alias);
    next += static_cast<int>(plan_.key.size());
  }
  if (upper) w += (w.empty() ? "" : " AND ") + KeyCompare("<=", next, alias);
  return w.empty() ? "" : " WHERE " + w;
}

std::string ReshapeSql::TriggerName() const { return "ferry_reshape_" + plan_.table; }

std::string ReshapeSql::CountRows() const { return "SELECT count(*) FROM " + table(); }

std::string ReshapeSql::NullKeyRow() const {
  std::string w;
  for (size_t i = 0; i < plan_.key.size(); ++i)
    w += (i ? " OR " : "") + Quote(plan_.key[i]) + " IS NULL";
  std::string locator = dialect_ == Dialect::kSqlite ? "rowid" : "ctid::text";
  return "SELECT " + locator + ", " + KeyList() + " FROM " + table() + " WHERE " + w + " LIMIT 1";
}

std::string ReshapeSql::DuplicateKey() const {
  return "SELECT " + KeyList() + ", count(*) FROM " + table() + " GROUP BY " + KeyList() +
         " HAVING count(*) > 1 LIMIT 1";
}

std::string ReshapeSql::ProbeSelect() const {
  return "SELECT " + plan_.select + " FROM " + table() + " AS o LIMIT 0";
}

std::vector<std::string> ReshapeSql::CreateNewTable() const {
  std::vector<std::string> out = {Replace(plan_.ddl)};
  for (int i = 0; i < plan_.partition_count && dialect_ == Dialect::kPostgres; ++i) {
    std::string bound = plan_.partition_method == PartitionMethod::kHash
                            ? "FOR VALUES WITH (MODULUS " + std::to_string(plan_.partition_count) +
                                  ", REMAINDER " + std::to_string(i) + ")"
                            : "FOR VALUES IN (" + std::to_string(i) + ")";
    out.push_back("CREATE TABLE " + Quote(PartitionName(i)) + " PARTITION OF " + new_table() +
                  " " + bound);
  }
  return out;
}

std::string ReshapeSql::PartitionName(int i) const {
  return plan_.new_table + "_p" + std::to_string(i);
}

std::vector<std::string> ReshapeSql::CreateCapture() const {
  const std::string trg = TriggerName();
  auto key_eq = [&](const char* row) {
    std::string w;
    for (size_t i = 0; i < plan_.key.size(); ++i)
      w += std::string(i ? " AND " : "") + Quote(plan_.key[i]) + " = " + row + "." +
           Quote(plan_.key[i]);
    return w;
  };
  const std::string del_old = "DELETE FROM " + new_table() + " WHERE " + key_eq("OLD");
  const std::string del_new = "DELETE FROM " + new_table() + " WHERE " + key_eq("NEW");
  if (dialect_ == Dialect::kPostgres) {
    // Delete-then-insert makes the trigger the last word on a key: a row the
    // copy wrote earlier is replaced, and the copy skips keys already present.
    const std::string ins =
        "INSERT INTO " + new_table() + " SELECT " + plan_.select + " FROM (SELECT NEW.*) AS o";
    return {"CREATE FUNCTION " + Quote(trg + "_fn") +
                "() RETURNS trigger LANGUAGE plpgsql AS $ferry$\nBEGIN\n"
                "  IF TG_OP = 'DELETE' OR TG_OP = 'UPDATE' THEN\n    " + del_old + ";\n  END IF;\n"
                "  IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' THEN\n    " + del_new + ";\n    " + ins +
                ";\n  END IF;\n  RETURN NULL;\nEND\n$ferry$",
            "CREATE TRIGGER " + Quote(trg) + " AFTER INSERT OR UPDATE OR DELETE ON " + table() +
                " FOR EACH ROW EXECUTE FUNCTION " + Quote(trg + "_fn") + "()"};
  }
  std::string cols;
  if (old_columns_.empty()) cols = "NEW.<column> AS <column>, ...";
  for (size_t i = 0; i < old_columns_.size(); ++i)
    cols += (i ? ", " : "") + std::string("NEW.") + Quote(old_columns_[i]) + " AS " +
            Quote(old_columns_[i]);
  const std::string ins =
      "INSERT INTO " + new_table() + " SELECT " + plan_.select + " FROM (SELECT " + cols + ") AS o";
  return {"CREATE TRIGGER " + Quote(trg + "_ins") + " AFTER INSERT ON " + table() +
              " BEGIN " + del_new + "; " + ins + "; END",
          "CREATE TRIGGER " + Quote(trg + "_upd") + " AFTER UPDATE ON " + table() +
              " BEGIN " + del_old + "; " + del_new + "; " + ins + "; END",
          "CREATE TRIGGER " + Quote(trg + "_del") + " AFTER DELETE ON " + table() +
              " BEGIN " + del_old + "; END"};
}

std::vector<std::string> ReshapeSql::DropCapture() const {
  const std::string trg = TriggerName();
  if (dialect_ == Dialect::kPostgres)
    return {"DROP TRIGGER IF EXISTS " + Quote(trg) + " ON " + table(),
            "DROP FUNCTION IF EXISTS " + Quote(trg + "_fn") + "()"};
  return {"DROP TRIGGER IF EXISTS " + Quote(trg + "_ins"),
          "DROP TRIGGER IF EXISTS " + Quote(trg + "_upd"),
          "DROP TRIGGER IF EXISTS " + Quote(trg + "_del")};
}

std::string ReshapeSql::BatchUpperBound(bool lower) const {
  return "SELECT " + KeyList() + " FROM " + table() + RangeWhere(lower, false, "") +
         " ORDER BY " + KeyList() + " LIMIT 1 OFFSET " + std::to_string(plan_.batch_size - 1);
}

std::string ReshapeSql::LockForCopy() const { return "LOCK TABLE " + table() + " IN SHARE MODE"; }

std::string ReshapeSql::CopyBatch(bool lower, bool upper, CopyForm form) const {
  if (dialect_ == Dialect::kPostgres && form != CopyForm::kRowLockedOnConflict) {
    // Keys are NOT NULL (pre-check) and the range excludes NULLs, so NOT IN
    // has no NULL trap; the subquery is uncorrelated, so it is hashed once.
    const std::string key = plan_.key.size() == 1 ? KeyList("o") : "(" + KeyList("o") + ")";
    const std::string lock =
        form == CopyForm::kRowLocked ? " ORDER BY " + KeyList() + " FOR SHARE" : "";
    return "INSERT INTO " + new_table() + " SELECT " + plan_.select + " FROM (SELECT * FROM " +
           table() + RangeWhere(lower, upper, "") + lock + ") AS o WHERE " + key +
           " NOT IN (SELECT " + KeyList() + " FROM " + new_table() + RangeWhere(lower, upper, "") +
           ")";
  }
  if (dialect_ == Dialect::kPostgres) {
    // FOR SHARE: a row a writer is changing right now is copied only after
    // that writer commits (its trigger then wins), and a row deleted in the
    // meantime is not resurrected.
    return "INSERT INTO " + new_table() + " SELECT " + plan_.select + " FROM (SELECT * FROM " +
           table() + RangeWhere(lower, upper, "") + " ORDER BY " + KeyList() +
           " FOR SHARE) AS o ON CONFLICT DO NOTHING";
  }
  // SQLite: the batch's write transaction excludes every other writer.
  return "INSERT INTO " + new_table() + " SELECT " + plan_.select + " FROM (SELECT * FROM " +
         table() + RangeWhere(lower, upper, "") + ") AS o WHERE true ON CONFLICT DO NOTHING";
}

std::string ReshapeSql::KeysInRange(bool lower, bool upper) const {
  return "SELECT " + KeyList() + " FROM " + table() + RangeWhere(lower, upper, "") +
         " ORDER BY " + KeyList();
}

std::string ReshapeSql::CopyOneRow() const {
  return "INSERT INTO " + new_table() + " SELECT " + plan_.select + " FROM (SELECT * FROM " +
         table() + " WHERE " + KeyCompare("=", 1, "") + ") AS o" +
         (dialect_ == Dialect::kSqlite ? " WHERE true" : "") + " ON CONFLICT DO NOTHING";
}

std::string ReshapeSql::MappedOldPage(bool lower, int limit) const {
  return "SELECT " + plan_.select + ", " + KeyList("o") + " FROM " + table() + " AS o" +
         RangeWhere(lower, false, "o") + " ORDER BY " + KeyList("o") + " LIMIT " +
         std::to_string(limit);
}

std::string ReshapeSql::NewPage(bool lower, int limit) const {
  return "SELECT n.*, " + KeyList("n") + " FROM " + new_table() + " AS n" +
         RangeWhere(lower, false, "n") + " ORDER BY " + KeyList("n") + " LIMIT " +
         std::to_string(limit);
}

namespace {
// Order-independent: the 64-bit row hashes are summed exactly (numeric), so
// duplicates do not cancel as with xor. `row` is a row-typed expression.
std::string PgSumOf(const std::string& row, const std::string& from,
                    ReshapeSql::ChecksumMethod m) {
  if (m == ReshapeSql::ChecksumMethod::kRowHash)
    return "SELECT count(*), coalesce(sum(hash_record_extended(" + row + ", 0)), 0)::text,"
           " '' FROM " + from;
  return "SELECT count(*), coalesce(sum(hashtextextended(" + row + "::text, 0)), 0)::text,"
         " coalesce(sum(hashtextextended(" + row + "::text, 1)), 0)::text FROM " + from;
}
}  // namespace

std::string ReshapeSql::MappedOldChecksum(ChecksumMethod m) const {
  // The mapped row is cast to the new table's row type, so both sides hash
  // the same types with the same functions.
  return PgSumOf("CAST(ROW(s.*) AS " + new_table() + ")",
                 "(SELECT " + plan_.select + " FROM " + table() + " AS o) AS s", m);
}

std::string ReshapeSql::NewChecksum(ChecksumMethod m) const {
  // Grouped by partition, so the same scan gives the distribution; the
  // totals ride on every row (window sums), exact as numeric.
  const bool rowhash = m == ChecksumMethod::kRowHash;
  const std::string h0 = rowhash ? "hash_record_extended(t, 0)" : "hashtextextended(t::text, 0)";
  const std::string h1 = rowhash ? "0" : "hashtextextended(t::text, 1)";
  return "SELECT sum(p.n) OVER (), (sum(p.h0) OVER ())::text, " +
         std::string(rowhash ? "''" : "(sum(p.h1) OVER ())::text") +
         ", c.relname::text, p.n FROM (SELECT tableoid, count(*) AS n, sum(" + h0 +
         ") AS h0, sum(" + h1 + ") AS h1 FROM " + new_table() +
         " AS t GROUP BY tableoid) AS p JOIN pg_class c ON c.oid = p.tableoid";
}

namespace {
std::string SqliteSumOf(std::string_view function, int columns, const std::string& rows) {
  std::string names, args;
  for (int i = 1; i <= columns; ++i) {
    const std::string c = "c" + std::to_string(i);
    names += (i > 1 ? ", " : "") + c;
    args += std::string(i > 1 ? ", " : "") + "CASE WHEN typeof(" + c + ") = 'real' AND " + c +
            " = CAST(" + c + " AS INTEGER) AND abs(" + c + ") < 9e15 THEN CAST(CAST(" + c +
            " AS INTEGER) AS TEXT) WHEN typeof(" + c + ") IN ('integer', 'real') THEN CAST(" + c +
            " AS TEXT) ELSE " + c + " END";
  }
  return "WITH s(" + names + ") AS (" + rows + ") SELECT count(*), " + std::string(function) +
         "(" + args + ") FROM s";
}
}  // namespace

std::string ReshapeSql::SqliteMappedOldChecksum(std::string_view function, int columns) const {
  return SqliteSumOf(function, columns, "SELECT " + plan_.select + " FROM " + table() + " AS o");
}

std::string ReshapeSql::SqliteNewChecksum(std::string_view function, int columns) const {
  return SqliteSumOf(function, columns, "SELECT * FROM " + new_table());
}

std::string ReshapeSql::Check(const ReshapeCheck& c, const std::string& table_name) const {
  return ReplaceAll(c.sql, "{table}", Quote(table_name));
}

std::vector<std::string> ReshapeSql::BuildIndexes() const {
  std::vector<std::string> out;
  for (const auto& s : plan_.indexes) out.push_back(Replace(s));
  for (const auto& s : plan_.constraints) out.push_back(Replace(s));
  return out;
}

std::vector<std::string> ReshapeSql::Swap(const std::string& old_name) const {
  std::vector<std::string> out;
  if (dialect_ == Dialect::kPostgres)
    out.push_back("LOCK TABLE " + table() + " IN ACCESS EXCLUSIVE MODE");
  for (auto& s : DropCapture()) out.push_back(s);
  out.push_back("ALTER TABLE " + table() + " RENAME TO " + Quote(old_name));
  out.push_back("ALTER TABLE " + new_table() + " RENAME TO " + table());
  return out;
}

std::vector<ReshapeSql::PrintedStep> ReshapeSql::Describe() const {
  std::vector<PrintedStep> s(9);
  for (int i = 0; i < 9; ++i) s[i].name = kReshapeStepNames[i];
  s[0].sql = {CountRows(), NullKeyRow(), DuplicateKey(), ProbeSelect()};
  s[1].sql = {"-- CreateVerifiedSnapshot(" + plan_.table + "): copy, checksum, spot checks, catalog"
              " row in ferry_backups (skipped when the table is empty or with --no-backup)"};
  s[2].sql = CreateNewTable();
  s[3].sql = CreateCapture();
  s[4].sql = {"-- per batch of " + std::to_string(plan_.batch_size) +
                  " rows, each its own transaction with its checkpoint in ferry_reshapes:",
              BatchUpperBound(true)};
  if (dialect_ == Dialect::kPostgres) {
    s[4].sql.push_back(CopyBatch(true, true, CopyForm::kRowLocked));
    s[4].sql.push_back("-- that batch again after a unique violation (a writer's trigger row"
                       " committed meanwhile):");
    s[4].sql.push_back(CopyBatch(true, true, CopyForm::kRowLockedOnConflict));
    s[4].sql.push_back("-- or, with --copy-lock table (writers wait for each batch):");
    s[4].sql.push_back(LockForCopy());
    s[4].sql.push_back(CopyBatch(true, true, CopyForm::kTableLocked));
  } else {
    s[4].sql.push_back(CopyBatch(true, true));
  }
  if (dialect_ == Dialect::kPostgres) {
    s[5].sql = {"-- in one REPEATABLE READ snapshot (the text form, hashtextextended(row::text),"
                " where a column type has no hash function):",
                MappedOldChecksum(), NewChecksum()};
  } else {
    s[5].sql = {"-- in one read snapshot, hashed inside SQLite (shown for 2 columns; one cI per"
                " column of the new table):",
                SqliteMappedOldChecksum("ferry_sha256sum", 2), SqliteNewChecksum("ferry_sha256sum", 2),
                "-- or, without that function, streamed in key order:", MappedOldPage(true, 5000),
                NewPage(true, 5000)};
  }
  for (const auto& c : plan_.checks) {
    s[5].sql.push_back(Check(c, plan_.table));
    s[5].sql.push_back(Check(c, plan_.new_table));
  }
  s[6].sql = BuildIndexes();
  std::string old_name = plan_.table + "_old_<YYYYMMDD_HHMMSS>";
  if (dialect_ == Dialect::kPostgres) s[7].sql.push_back("SET LOCAL lock_timeout = '<ms>'");
  for (auto& q : Swap(old_name)) s[7].sql.push_back(q);
  s[8].sql = {"-- " + old_name + " is kept; `ferry reshape rollback " + plan_.table +
              "` swaps it back"};
  return s;
}

}  // namespace ferry
