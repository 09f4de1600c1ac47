// Catalog reads and DDL for the COPY-based PostgreSQL archive.
#include "jobs/backup/postgres_copy_schema.h"

#include <map>

#include <nlohmann/json.hpp>

namespace ferry::pgcopy {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Column, name, type, collation, default_expr, generated_expr,
                                   identity, not_null)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Constraint, name, type, def)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Index, name, unique, tail)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Sequence, schema, name, type, start, increment, min, max, cache,
                                   cycle, last_value, is_called, owner_table, owner_column, identity)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Table, schema, name, file, unlogged, columns, constraints,
                                   indexes, rows)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EnumType, schema, name, labels)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Schema, server_version, encoding, schemas, enums, tables,
                                   sequences)

const std::vector<std::string> kCaptured = {
    "schemas",
    "enum types",
    "tables: columns with types, collations, defaults, NOT NULL, identity and generated columns",
    "primary key, unique, check, exclusion and foreign key constraints",
    "indexes",
    "sequences with their options and values",
    "every table's rows (COPY, one REPEATABLE READ snapshot)"};
const std::vector<std::string> kNotCaptured = {
    "views and materialized views",
    "functions, procedures and triggers",
    "domains, composite and range types",
    "extensions",
    "ownership, grants and row-level security policies",
    "comments",
    "table inheritance (each table is archived on its own)",
    "storage parameters and tablespaces"};

namespace {

constexpr const char* kUserSchemas =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";

std::string Text(const Rows& r, size_t i, size_t c) { return r.GetText(i, c).value_or(""); }
bool Bool(const Rows& r, size_t i, size_t c) { return r.GetInt(i, c).value_or(0) != 0; }

Status ReadColumns(Database* db, const std::string& oid, Table* t) {
  // `unsupported`: the type (or array element type) lives outside
  // pg_catalog and is not an enum (which ferry recreates): a domain, a
  // composite, an extension's type. The archive could not be restored into a
  // fresh database, so the capture refuses it.
  FERRY_ASSIGN_OR_RETURN(
      Rows r,
      db->Query("SELECT a.attname, format_type(a.atttypid, a.atttypmod),"
                " CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation"
                "   THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co"
                "         JOIN pg_namespace cn ON cn.oid = co.collnamespace"
                "         WHERE co.oid = a.attcollation) END,"
                " CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,"
                " CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END,"
                " a.attidentity::text, a.attnotnull,"
                " CASE WHEN et.typnamespace <> 'pg_catalog'::regnamespace AND et.typtype <> 'e'"
                "   THEN format_type(a.atttypid, a.atttypmod) END"
                " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
                " JOIN pg_type et ON et.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0"
                "   THEN t.typelem ELSE t.oid END"
                " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                " WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped"
                " ORDER BY a.attnum",
                {Value(std::string(oid))}));
  for (size_t i = 0; i < r.size(); ++i) {
    Column c;
    c.name = Text(r, i, 0);
    c.type = Text(r, i, 1);
    c.collation = Text(r, i, 2);
    c.default_expr = Text(r, i, 3);
    c.generated_expr = Text(r, i, 4);
    c.identity = Text(r, i, 5);
    c.not_null = Bool(r, i, 6);
    if (std::string u = Text(r, i, 7); !u.empty())
      return FailedPrecondition("table " + t->schema + "." + t->name + " column " + c.name +
                                " has type " + u +
                                ", which the copy method does not archive (domains, composite "
                                "and extension types); use --method pg_dump");
    t->columns.push_back(std::move(c));
  }
  return Status::OK();
}

Status ReadConstraints(Database* db, const std::string& oid, Table* t) {
  FERRY_ASSIGN_OR_RETURN(
      Rows r, db->Query("SELECT conname, contype::text, pg_get_constraintdef(oid) FROM pg_constraint"
                        " WHERE conrelid = $1::oid AND contype IN ('p', 'u', 'c', 'f', 'x')"
                        " ORDER BY contype, conname",
                        {Value(std::string(oid))}));
  for (size_t i = 0; i < r.size(); ++i)
    t->constraints.push_back({Text(r, i, 0), Text(r, i, 1), Text(r, i, 2)});
  FERRY_ASSIGN_OR_RETURN(
      Rows x,
      db->Query("SELECT ic.relname, x.indisunique, pg_get_indexdef(x.indexrelid),"
                " format(' ON %I.%I USING ', n.nspname, c.relname)"
                " FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid"
                " JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE x.indrelid = $1::oid AND NOT EXISTS (SELECT 1 FROM pg_constraint k"
                "   WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid"
                "   AND k.contype IN ('p', 'u', 'x'))"
                " ORDER BY 1",
                {Value(std::string(oid))}));
  for (size_t i = 0; i < x.size(); ++i) {
    Index ix{Text(x, i, 0), Bool(x, i, 1), ""};
    const std::string def = Text(x, i, 2), marker = Text(x, i, 3);
    size_t at = def.find(marker);
    if (at == std::string::npos)
      return Internal("index " + ix.name + " of " + t->schema + "." + t->name +
                      ": unexpected definition: " + def);
    ix.tail = def.substr(at + marker.size());
    t->indexes.push_back(std::move(ix));
  }
  return Status::OK();
}

Status ReadSequences(Database* db, Schema* s) {
  // deptype 'a': OWNED BY a column (serial); 'i': an identity column's.
  FERRY_ASSIGN_OR_RETURN(
      Rows r,
      db->Query("SELECT n.nspname, c.relname, format_type(q.seqtypid, NULL), q.seqstart::text,"
                " q.seqincrement::text, q.seqmin::text, q.seqmax::text, q.seqcache::text,"
                " q.seqcycle, tn.nspname, tc.relname, a.attname, d.deptype::text"
                " FROM pg_sequence q JOIN pg_class c ON c.oid = q.seqrelid"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid"
                "   AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')"
                " LEFT JOIN pg_class tc ON tc.oid = d.refobjid"
                " LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace"
                " LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
                " WHERE " + std::string(kUserSchemas) + " ORDER BY 1, 2",
                {}));
  for (size_t i = 0; i < r.size(); ++i) {
    Sequence q;
    q.schema = Text(r, i, 0);
    q.name = Text(r, i, 1);
    q.type = Text(r, i, 2);
    q.start = std::stoll(Text(r, i, 3));
    q.increment = std::stoll(Text(r, i, 4));
    q.min = std::stoll(Text(r, i, 5));
    q.max = std::stoll(Text(r, i, 6));
    q.cache = std::stoll(Text(r, i, 7));
    q.cycle = Bool(r, i, 8);
    // Owned by a table in the same schema: it travels with the table. A
    // sequence owned across schemas is restored on its own (and keeps its
    // OWNED BY only in the source).
    if (!IsNull(r.rows[i][10]) && Text(r, i, 9) == q.schema) {
      q.owner_table = Text(r, i, 10);
      q.owner_column = Text(r, i, 11);
      q.identity = Text(r, i, 12) == "i";
    }
    FERRY_ASSIGN_OR_RETURN(
        Rows v, db->Query("SELECT last_value::text, is_called FROM " + Qualified(*db, q.schema, q.name),
                          {}));
    q.last_value = std::stoll(Text(v, 0, 0));
    q.is_called = Bool(v, 0, 1);
    s->sequences.push_back(std::move(q));
  }
  return Status::OK();
}

}  // namespace

std::string Qualified(const Database& db, const std::string& schema, const std::string& name) {
  return db.QuoteIdentifier(schema) + "." + db.QuoteIdentifier(name);
}

std::string TableKey(const Table& t) { return t.schema == "public" ? t.name : t.schema + "." + t.name; }

Result<Schema> CaptureSchema(Database* db) {
  Schema s;
  FERRY_ASSIGN_OR_RETURN(Rows info, db->Query("SELECT current_setting('server_version'),"
                                              " current_setting('server_encoding')",
                                              {}));
  s.server_version = Text(info, 0, 0);
  s.encoding = Text(info, 0, 1);

  FERRY_ASSIGN_OR_RETURN(Rows ns, db->Query("SELECT n.nspname FROM pg_namespace n WHERE " +
                                                std::string(kUserSchemas) + " ORDER BY 1",
                                            {}));
  for (size_t i = 0; i < ns.size(); ++i) s.schemas.push_back(Text(ns, i, 0));

  FERRY_ASSIGN_OR_RETURN(
      Rows en, db->Query("SELECT n.nspname, t.typname, e.enumlabel FROM pg_enum e"
                         " JOIN pg_type t ON t.oid = e.enumtypid"
                         " JOIN pg_namespace n ON n.oid = t.typnamespace WHERE " +
                             std::string(kUserSchemas) + " ORDER BY 1, 2, e.enumsortorder",
                         {}));
  for (size_t i = 0; i < en.size(); ++i) {
    if (s.enums.empty() || s.enums.back().schema != Text(en, i, 0) ||
        s.enums.back().name != Text(en, i, 1))
      s.enums.push_back({Text(en, i, 0), Text(en, i, 1), {}});
    s.enums.back().labels.push_back(Text(en, i, 2));
  }

  FERRY_ASSIGN_OR_RETURN(
      Rows tabs, db->Query("SELECT c.oid::text, n.nspname, c.relname, c.relkind::text,"
                           " c.relispartition, c.relpersistence::text FROM pg_class c"
                           " JOIN pg_namespace n ON n.oid = c.relnamespace"
                           " WHERE c.relkind IN ('r', 'p') AND " +
                               std::string(kUserSchemas) + " ORDER BY 2, 3",
                           {}));
  for (size_t i = 0; i < tabs.size(); ++i) {
    Table t;
    const std::string oid = Text(tabs, i, 0);
    t.schema = Text(tabs, i, 1);
    t.name = Text(tabs, i, 2);
    if (Text(tabs, i, 3) == "p" || Bool(tabs, i, 4))
      return FailedPrecondition("table " + t.schema + "." + t.name +
                                " is partitioned or a partition, which the copy method does not "
                                "archive; use --method pg_dump");
    t.unlogged = Text(tabs, i, 5) == "u";
    FERRY_RETURN_IF_ERROR(ReadColumns(db, oid, &t));
    FERRY_RETURN_IF_ERROR(ReadConstraints(db, oid, &t));
    s.tables.push_back(std::move(t));
  }
  FERRY_RETURN_IF_ERROR(ReadSequences(db, &s));
  return s;
}

std::string ToJson(const Schema& s) {
  nlohmann::json j = s;
  return j.dump(1) + "\n";
}

Result<Schema> SchemaFromJson(const std::string& text) {
  try {
    return nlohmann::json::parse(text).get<Schema>();
  } catch (const std::exception& e) {
    return Corruption(std::string("schema.json: ") + e.what());
  }
}

std::string CopyColumns(const Database& db, const Table& t) {
  std::string out;
  for (const auto& c : t.columns) {
    if (!c.generated_expr.empty()) continue;
    if (!out.empty()) out += ", ";
    out += db.QuoteIdentifier(c.name);
  }
  return out;
}

std::string SequenceOptions(const Sequence& s, bool with_type) {
  std::string o;
  if (with_type) o += " AS " + s.type;
  o += " INCREMENT BY " + std::to_string(s.increment) + " MINVALUE " + std::to_string(s.min) +
       " MAXVALUE " + std::to_string(s.max) + " START WITH " + std::to_string(s.start) +
       " CACHE " + std::to_string(s.cache) + (s.cycle ? " CYCLE" : " NO CYCLE");
  return o;
}

std::string CreateTableSql(const Database& db, const Table& t, const std::string& schema,
                           const std::vector<Sequence>& sequences) {
  std::string sql = std::string("CREATE ") + (t.unlogged ? "UNLOGGED " : "") + "TABLE " +
                    Qualified(db, schema, t.name) + " (";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const Column& c = t.columns[i];
    if (i > 0) sql += ", ";
    sql += db.QuoteIdentifier(c.name) + " " + c.type;
    if (!c.collation.empty()) sql += " COLLATE " + c.collation;
    if (!c.generated_expr.empty()) sql += " GENERATED ALWAYS AS (" + c.generated_expr + ") STORED";
    if (!c.identity.empty()) {
      sql += c.identity == "a" ? " GENERATED ALWAYS AS IDENTITY" : " GENERATED BY DEFAULT AS IDENTITY";
      for (const auto& q : sequences) {
        if (q.identity && q.schema == t.schema && q.owner_table == t.name && q.owner_column == c.name) {
          // The sequence keeps its name; it moves with the table.
          sql += " (SEQUENCE NAME " + Qualified(db, schema, q.name) + SequenceOptions(q, false) + ")";
          break;
        }
      }
    }
    if (c.not_null) sql += " NOT NULL";
  }
  return sql + ")";
}

}  // namespace ferry::pgcopy
