// main() only forwards to the library.
#include <iostream>

#include "cli/command.h"

int main(int argc, char** argv) {
  return ferry::cli::RunCli(argc, argv, ferry::Env::Default(), std::cout, std::cerr);
}
