// One `ferry reshape run` in-process, for bench/reshape when the CLI is not
// at hand: prints each step's seconds and the total as one JSON line.
//   reshape_bench DB_URL PLAN_FILE [table|rows]
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "db/database.h"
#include "jobs/reshape/reshape.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: reshape_bench DB_URL PLAN_FILE [table|rows]\n";
    return 2;
  }
  std::ifstream in(argv[2]);
  std::stringstream text;
  text << in.rdbuf();
  auto plan = ferry::ParseReshapePlan(text.str(), argv[2]);
  if (!plan.ok()) return std::cerr << plan.status().ToString() << "\n", 1;
  auto db = ferry::OpenDatabase(argv[1], ferry::Env::Default());
  if (!db.ok()) return std::cerr << db.status().ToString() << "\n", 1;
  auto logger = ferry::Logger::Capturing({});
  ferry::ReshapeOptions o;
  o.copy_lock = argc > 3 && std::string(argv[3]) == "rows" ? ferry::CopyLock::kRows
                                                           : ferry::CopyLock::kTable;
  auto t0 = std::chrono::steady_clock::now();
  auto r = ferry::RunReshape(db->get(), ferry::Env::Default(), logger.get(), *plan, o);
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r.ok()) return std::cerr << r.status().ToString() << "\n", 1;
  std::cout << "{\"total\": " << total << ", \"steps\": [";
  for (size_t i = 0; i < r->steps.size(); ++i)
    std::cout << (i ? ", " : "") << "{\"name\": \"" << r->steps[i].name
              << "\", \"seconds\": " << r->steps[i].seconds << "}";
  std::cout << "]}\n";
  return 0;
}
