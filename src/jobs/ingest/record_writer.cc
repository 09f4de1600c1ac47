#include "jobs/ingest/record_writer.h"

#include <algorithm>

#include "db/postgres/postgres_database.h"
#include "util/strings.h"

namespace ferry {
namespace {

constexpr int kMaxConflictRetries = 5;

bool IsRetryableConflict(const std::string& sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";
}

// (record, owning object) in key order.
struct Entry {
  Record* record;
  size_t object;
};

}  // namespace

RecordWriter::RecordWriter(Database* db, const Codec* codec) : db_(db), codec_(codec) {}
RecordWriter::~RecordWriter() = default;

bool RecordWriter::IsFatal(const Status& st) {
  switch (st.code()) {
    case Code::kUnavailable:
    case Code::kIOError:
    case Code::kCorruption:
    case Code::kCancelled:
      return true;
    default:
      break;
  }
  return IsDiskFull(st);
}

bool RecordWriter::IsDiskFull(const Status& st) {
  const std::string& m = st.message();
  return m.find("disk is full") != std::string::npos ||  // SQLITE_FULL (also max_page_count)
         m.find("No space left") != std::string::npos ||
         m.find("could not extend file") != std::string::npos ||
         m.find("SQLSTATE 53") != std::string::npos;  // insufficient_resources
}

Result<PreparedStatement*> RecordWriter::Statement(size_t table, size_t rows) {
  auto key = std::make_pair(table, rows);
  auto it = statements_.find(key);
  if (it != statements_.end()) return it->second.get();
  const RecordTable& schema = codec_->Tables()[table];
  std::string sql = InsertSql(schema, rows);
  if (table == 0) {
    sql += " RETURNING " + schema.key_column;
    if (codec_->ChildrenUseParentId()) {
      if (schema.id_column.empty()) {
        return InvalidArgument("codec " + std::string(codec_->name()) + ": child tables key on " +
                               schema.name + "'s id, but it names no id column");
      }
      sql += ", " + schema.id_column;
    }
  }
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<PreparedStatement> stmt, db_->Prepare(sql));
  PreparedStatement* raw = stmt.get();
  statements_.emplace(key, std::move(stmt));
  return raw;
}

Status RecordWriter::InsertChunked(size_t table, const std::vector<Row*>& rows,
                                   const std::vector<int64_t>* parent_ids,
                                   std::vector<Returned>* returned) {
  const RecordTable& schema = codec_->Tables()[table];
  const size_t columns = schema.columns.size();
  // The column the writer fills with the parent's id (KeySource::kParentId).
  size_t id_col = columns;
  if (parent_ids != nullptr) {
    id_col = static_cast<size_t>(
        std::find(schema.columns.begin(), schema.columns.end(), schema.key_column) -
        schema.columns.begin());
    if (id_col == columns) {
      return InvalidArgument("codec " + std::string(codec_->name()) + ": table " + schema.name +
                             " does not list its key column " + schema.key_column);
    }
  }
  size_t pos = 0;
  while (pos < rows.size()) {
    size_t left = rows.size() - pos;
    size_t n = kMaxRowsPerStatement;
    while (n > left) n /= 2;  // 256, 128, ..., 1: few distinct statements
    FERRY_ASSIGN_OR_RETURN(PreparedStatement * stmt, Statement(table, n));
    if (params_.size() <= table) params_.resize(table + 1);
    std::vector<Value>& params = params_[table];
    params.resize(n * columns);
    for (size_t r = pos; r < pos + n; ++r) {
      if (rows[r]->size() != columns) {
        return InvalidArgument("codec " + std::string(codec_->name()) + ": a row of table " +
                               schema.name + " has " + std::to_string(rows[r]->size()) +
                               " values, expected " + std::to_string(columns));
      }
    }
    // The values are swapped in, not copied (this thread is the pipeline's
    // bottleneck on SQLite, and copying every string cost it a sixth of its
    // time), and swapped back below whatever the statement did.
    auto swap_rows = [&] {
      size_t p = 0;
      for (size_t r = pos; r < pos + n; ++r) {
        Row& row = *rows[r];
        for (size_t c = 0; c < columns; ++c, ++p) {
          if (c == id_col) {
            params[p] = (*parent_ids)[r];
          } else {
            std::swap(params[p], row[c]);
          }
        }
      }
    };
    swap_rows();
    Status st;
    if (returned) {
      Result<Rows> out = stmt->Query(params);
      swap_rows();
      if (!out.ok()) return out.status();
      for (size_t i = 0; i < out->size(); ++i) {
        std::optional<std::string> k = out->GetText(i, 0);
        if (!k) continue;
        returned->push_back(
            {std::move(*k), out->rows[i].size() > 1 ? out->GetInt(i, 1).value_or(0) : 0});
      }
    } else {
      Result<int64_t> done = stmt->Execute(params);
      swap_rows();
      FERRY_RETURN_IF_ERROR(done.status());
    }
    pos += n;
  }
  return Status::OK();
}

Status RecordWriter::WriteOnce(const std::vector<std::vector<Record>*>& objects,
                               const std::vector<size_t>& which,
                               std::vector<WriteOutcome>* outcomes) {
  std::vector<Entry> entries;
  for (size_t i : which) {
    for (Record& r : *objects[i]) entries.push_back({&r, i});
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.record->key < b.record->key; });
  // First record of each key is the candidate; later duplicates are skipped.
  std::vector<Row*> parents;
  parents.reserve(entries.size());
  std::vector<const Entry*> candidates;
  candidates.reserve(entries.size());
  for (size_t e = 0; e < entries.size(); ++e) {
    if (e > 0 && entries[e].record->key == entries[e - 1].record->key) continue;
    Record& r = *entries[e].record;
    if (r.rows.empty() || r.rows[0].size() != 1) {
      return InvalidArgument("codec " + std::string(codec_->name()) + ": record " + r.key +
                             " must have exactly one row in " + codec_->Tables()[0].name);
    }
    parents.push_back(&r.rows[0][0]);
    candidates.push_back(&entries[e]);
  }

  last_sqlstate_.clear();
  FERRY_RETURN_IF_ERROR(db_->Begin());
  auto fail = [&](Status st) {
    last_sqlstate_ = PostgresLastError(*db_).sqlstate;  // read before Rollback resets it
    (void)db_->Rollback();
    return st;
  };
  std::vector<Returned> returned;
  if (Status st = InsertChunked(0, parents, nullptr, &returned); !st.ok()) return fail(st);
  // RETURNING gives exactly the rows this transaction inserted, in no
  // promised order: sort them and walk them beside the (sorted) candidates.
  std::sort(returned.begin(), returned.end(),
            [](const Returned& a, const Returned& b) { return a.key < b.key; });
  std::vector<const Entry*> inserted;  // candidates whose parent row is new, in key order
  std::vector<int64_t> inserted_ids;   // their generated ids (0 when unused)
  inserted.reserve(returned.size());
  inserted_ids.reserve(returned.size());
  size_t j = 0;
  for (const Entry* e : candidates) {
    while (j < returned.size() && returned[j].key < e->record->key) ++j;
    if (j < returned.size() && returned[j].key == e->record->key) {
      inserted.push_back(e);
      inserted_ids.push_back(returned[j].id);
    }
  }
  const size_t tables = codec_->Tables().size();
  std::vector<Row*> children;
  std::vector<int64_t> child_ids;
  for (size_t t = 1; t < tables; ++t) {
    const bool by_id = codec_->Tables()[t].key_source == KeySource::kParentId;
    children.clear();
    child_ids.clear();
    for (size_t i = 0; i < inserted.size(); ++i) {
      Record& r = *inserted[i]->record;
      if (r.rows.size() <= t) continue;
      for (Row& row : r.rows[t]) {
        children.push_back(&row);
        if (by_id) child_ids.push_back(inserted_ids[i]);
      }
    }
    if (Status st = InsertChunked(t, children, by_id ? &child_ids : nullptr, nullptr); !st.ok()) {
      return fail(st);
    }
  }
  if (Status st = db_->Commit(); !st.ok()) return fail(st);

  for (size_t i : which) (*outcomes)[i] = WriteOutcome::kSkipped;
  for (const Entry* e : inserted) (*outcomes)[e->object] = WriteOutcome::kInserted;
  return Status::OK();
}

Status RecordWriter::WriteBatch(const std::vector<std::vector<Record>*>& objects,
                                std::vector<WriteOutcome>* outcomes, std::vector<Status>* errors) {
  outcomes->assign(objects.size(), WriteOutcome::kFailed);
  errors->assign(objects.size(), Status::OK());
  std::vector<size_t> all(objects.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  Status st;
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    st = WriteOnce(objects, all, outcomes);
    if (st.ok()) return st;
    if (!IsRetryableConflict(last_sqlstate_)) break;
  }
  if (IsFatal(st)) return st;
  // Isolate the guilty object(s): one transaction per object.
  for (size_t i = 0; i < objects.size(); ++i) {
    Status one;
    for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
      one = WriteOnce(objects, {i}, outcomes);
      if (one.ok() || !IsRetryableConflict(last_sqlstate_)) break;
    }
    if (one.ok()) continue;
    if (IsFatal(one)) return one;
    (*outcomes)[i] = WriteOutcome::kFailed;
    (*errors)[i] = one;
  }
  return Status::OK();
}

Status RecordWriter::CheckBatch(const std::vector<std::vector<Record>*>& objects,
                                std::vector<WriteOutcome>* outcomes) {
  outcomes->assign(objects.size(), WriteOutcome::kSkipped);
  if (!exists_) {
    FERRY_ASSIGN_OR_RETURN(exists_, db_->Prepare(codec_->KeyExistsSql()));
  }
  for (size_t i = 0; i < objects.size(); ++i) {
    for (const Record& r : *objects[i]) {
      FERRY_ASSIGN_OR_RETURN(Rows rows, exists_->Query({r.key}));
      if (rows.empty()) (*outcomes)[i] = WriteOutcome::kInserted;
    }
  }
  return Status::OK();
}

}  // namespace ferry
