// Runs an external program (pg_dump, pg_restore) without a shell.
//
// argv[0] is looked up on PATH; `extra_env` ("NAME=value") is added to the
// environment, so passwords travel in PGPASSWORD, never on the command line.
// The child's stderr is captured (last 4 KiB) for the error message.
#pragma once

#include <string>
#include <vector>

#include "ferry/status.h"

namespace ferry {

Status RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env);

// Whether `program` is an executable on PATH.
bool ProgramOnPath(const std::string& program);

}  // namespace ferry
