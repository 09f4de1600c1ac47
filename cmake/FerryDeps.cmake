# Finds the Debian packages ferry builds against (scripts/install-deps.sh
# installs them). Each becomes an imported target the src/ folders link to.
find_package(PkgConfig REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CURL REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(HIREDIS IMPORTED_TARGET hiredis)
pkg_check_modules(HTTPLIB IMPORTED_TARGET cpp-httplib)
if(FERRY_WITH_POSTGRES)
  find_package(PostgreSQL REQUIRED)
endif()
# RocksDB, the key-value engine behind copy/verify/backup (src/kv/rocksdb/):
# on when librocksdb-dev is installed.
# RocksDBConfig appends its own Find modules (zstd, lz4, ...) to
# CMAKE_MODULE_PATH for good, which would shadow zstd's CMake config (and its
# zstd::libzstd_shared target) for everyone after: keep the path as it was.
set(_ferry_module_path "${CMAKE_MODULE_PATH}")
find_package(RocksDB CONFIG QUIET)
option(FERRY_WITH_ROCKSDB "Build the RocksDB key-value engine (librocksdb-dev)" ${RocksDB_FOUND})
if(FERRY_WITH_ROCKSDB AND NOT RocksDB_FOUND)
  find_package(RocksDB CONFIG REQUIRED)
endif()
set(CMAKE_MODULE_PATH "${_ferry_module_path}")
