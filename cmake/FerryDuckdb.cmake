# DuckDB's C API (duckdb.h + libduckdb.so). Debian has no package, so
# scripts/fetch-duckdb.sh (run by scripts/install-deps.sh) puts a pinned copy
# from npm into third_party/duckdb. FERRY_WITH_DUCKDB defaults to ON when that
# copy is there and OFF when it is not (e.g. the fetch had no network): ferry
# then builds without the duckdb: engine and Parquet export, and the DuckDB
# tests fail under FERRY_TEST_REQUIRE_SERVERS=1 instead of passing silently.
set(FERRY_DUCKDB_DIR ${PROJECT_SOURCE_DIR}/third_party/duckdb CACHE PATH
    "Where scripts/fetch-duckdb.sh put DuckDB (include/duckdb.h, lib/libduckdb.so)")
if(EXISTS ${FERRY_DUCKDB_DIR}/lib/libduckdb.so AND EXISTS ${FERRY_DUCKDB_DIR}/include/duckdb.h)
  set(_ferry_duckdb_default ON)
else()
  set(_ferry_duckdb_default OFF)
endif()
option(FERRY_WITH_DUCKDB "Build the DuckDB adapter and Parquet export (scripts/fetch-duckdb.sh)"
       ${_ferry_duckdb_default})

if(FERRY_WITH_DUCKDB)
  if(NOT EXISTS ${FERRY_DUCKDB_DIR}/lib/libduckdb.so)
    message(FATAL_ERROR "FERRY_WITH_DUCKDB is ON but ${FERRY_DUCKDB_DIR}/lib/libduckdb.so is missing: "
                        "run scripts/fetch-duckdb.sh ${FERRY_DUCKDB_DIR} or pass -DFERRY_WITH_DUCKDB=OFF")
  endif()
  # The library sits outside the build tree; CMake puts its folder on the
  # build RPATH of everything that links it, so binaries run from build/.
  add_library(duckdb::duckdb SHARED IMPORTED)
  set_target_properties(duckdb::duckdb PROPERTIES
    IMPORTED_LOCATION ${FERRY_DUCKDB_DIR}/lib/libduckdb.so
    IMPORTED_SONAME libduckdb.so
    INTERFACE_INCLUDE_DIRECTORIES ${FERRY_DUCKDB_DIR}/include)
  message(STATUS "DuckDB: ${FERRY_DUCKDB_DIR}")
else()
  message(STATUS "DuckDB: not built in (run scripts/fetch-duckdb.sh third_party/duckdb)")
endif()
