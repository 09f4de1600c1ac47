// Rows (id, body) into table "t" of a key-value store, written through the
// copy endpoint as ferry's own copy writes them: the fixture the kv backup,
// restore and catalog tests share. One WriteBatch (and checkpoint) per
// `batch` rows; `body(i)` is row i's value, of column type `body_type`.
#pragma once

#include <gtest/gtest.h>

#include <climits>
#include <functional>
#include <string>
#include <vector>

#include "jobs/copy/copy_endpoint.h"

namespace ferry::testing {

inline void FillKvTable(const std::string& url, int first, int n,
                        const std::function<Value(int)>& body, bool body_is_blob = true,
                        int batch = INT_MAX) {
  auto ep = OpenCopyEndpoint(url, EndpointRole::kTarget, DatabaseOpener(), Env::Default());
  ASSERT_TRUE(ep.ok()) << ep.status().message();
  TableSchema s;
  s.name = "t";
  s.columns = {{"id", "INTEGER", true, LogicalType::kInteger, ""},
               body_is_blob ? ColumnSchema{"body", "BLOB", false, LogicalType::kBlob, ""}
                            : ColumnSchema{"body", "TEXT", false, LogicalType::kText, ""}};
  s.primary_key = {"id"};
  if (!*(*ep)->TableExists("t")) {
    ASSERT_TRUE((*ep)->CreateTable(s, {"id"}).ok());
  }
  ASSERT_TRUE((*ep)->BeginTable(s, {"id"}).ok());
  for (int b = first; b < first + n;) {
    const int end = first + n - b > batch ? b + batch : first + n;
    std::vector<std::vector<Value>> rows;
    for (int i = b; i < end; ++i) rows.push_back({int64_t{i}, body(i)});
    ASSERT_TRUE((*ep)->WriteBatch("t", rows, {{int64_t{end - 1}}, end - 1, false, ""}).ok());
    b = end;
  }
}

}  // namespace ferry::testing
