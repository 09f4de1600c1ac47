// Decides how a migration script is run: in a transaction ferry opens, in the
// file's own BEGIN ... COMMIT, or with none at all. Plan prints the decision
// and its reason, so nobody has to guess.
#pragma once

#include <string>
#include <vector>

#include "core/sql_splitter.h"
#include "ferry/migrator.h"

namespace ferry {

struct TxDecision {
  TxMode mode = TxMode::kTransaction;
  std::string reason;
  // Set when the file will most likely fail as written (a statement that
  // cannot run in a transaction, inside a multi-statement file).
  std::string warning;
};

// `sql` is the raw script (for directives in comments); `stmts` its split.
TxDecision DecideTxMode(const std::string& sql, const std::vector<SqlStatement>& stmts,
                        Dialect dialect);

// The first `n` keywords of a statement, lower-cased, skipping leading
// comments: "create index concurrently".
std::string LeadingKeywords(std::string_view stmt, int n);

}  // namespace ferry
