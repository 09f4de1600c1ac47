#include "jobs/reshape/reshape_key.h"

#include <algorithm>
#include <map>
#include <set>

namespace ferry {
namespace {

bool SubsetOfKey(const std::vector<std::string>& cols, const std::set<std::string>& key) {
  if (cols.empty()) return false;
  for (const auto& c : cols)
    if (!key.count(c)) return false;
  return true;
}

bool AnyUnique(const Rows& r, const std::set<std::string>& key) {
  // Rows are (index, column); a NULL column (an expression) never matches.
  std::map<std::string, std::vector<std::string>> by_index;
  std::set<std::string> has_expression;
  for (size_t i = 0; i < r.size(); ++i) {
    auto idx = r.GetText(i, 0).value_or("");
    auto col = r.GetText(i, 1);
    if (!col) has_expression.insert(idx);
    else by_index[idx].push_back(*col);
  }
  for (const auto& [idx, cols] : by_index)
    if (!has_expression.count(idx) && SubsetOfKey(cols, key)) return true;
  return false;
}

}  // namespace

Result<KeyGuarantees> ReadKeyGuarantees(Database* db, const std::string& table,
                                        const std::vector<std::string>& key) {
  KeyGuarantees g;
  const std::set<std::string> keyset(key.begin(), key.end());
  if (db->dialect() == Dialect::kPostgres) {
    const std::string rel = db->QuoteIdentifier(table);
    // indkey positions from indnkeyatts on are INCLUDE columns, not key.
    FERRY_ASSIGN_OR_RETURN(
        Rows u, db->Query("SELECT i.indexrelid::text, a.attname::text FROM pg_index i"
                          " JOIN pg_attribute a ON a.attrelid = i.indrelid"
                          " AND a.attnum = ANY(i.indkey)"
                          " WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indisvalid"
                          " AND i.indpred IS NULL AND i.indexprs IS NULL"
                          " AND array_position(i.indkey::int2[], a.attnum) < i.indnkeyatts",
                          {rel}));
    g.unique = AnyUnique(u, keyset);
    FERRY_ASSIGN_OR_RETURN(
        Rows n, db->Query("SELECT attname::text FROM pg_attribute WHERE attrelid = $1::regclass"
                          " AND attnum > 0 AND NOT attisdropped AND attnotnull",
                          {rel}));
    size_t found = 0;
    for (size_t i = 0; i < n.size(); ++i) found += keyset.count(n.GetText(i, 0).value_or(""));
    g.not_null = !key.empty() && found == keyset.size();
    return g;
  }
  if (db->dialect() != Dialect::kSqlite) return g;
  FERRY_ASSIGN_OR_RETURN(
      Rows u, db->Query("SELECT il.name, ii.name FROM pragma_index_list($1) AS il,"
                        " pragma_index_info(il.name) AS ii WHERE il.\"unique\" = 1"
                        " AND il.partial = 0",
                        {table}));
  g.unique = AnyUnique(u, keyset);
  FERRY_ASSIGN_OR_RETURN(
      Rows c, db->Query("SELECT name, upper(type), \"notnull\", pk FROM pragma_table_info($1)",
                        {table}));
  std::vector<std::string> pk;
  bool integer_pk = false;
  size_t found = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    const std::string name = c.GetText(i, 0).value_or("");
    if (c.GetInt(i, 3).value_or(0) > 0) {
      pk.push_back(name);
      integer_pk = c.GetText(i, 1).value_or("") == "INTEGER";
    }
    if (keyset.count(name) && c.GetInt(i, 2).value_or(0) != 0) ++found;
  }
  // A one-column INTEGER PRIMARY KEY is the rowid (or, WITHOUT ROWID, a
  // NOT NULL primary key): unique and never NULL, without an index entry.
  if (pk.size() == 1 && integer_pk && keyset.count(pk[0])) {
    g.unique = true;
    if (key.size() == 1) g.not_null = true;
  }
  if (!key.empty() && found == keyset.size()) g.not_null = true;
  return g;
}

}  // namespace ferry
