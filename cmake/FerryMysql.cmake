# MySQL/MariaDB client: MariaDB Connector/C (Debian libmariadb-dev). It ships
# a pkg-config file but no CMake config, so the target comes from
# pkg_check_modules. FERRY_WITH_MYSQL defaults to ON when the library is
# found; ON without it is a configure error rather than a silent drop.
pkg_check_modules(LIBMARIADB IMPORTED_TARGET libmariadb)
if(LIBMARIADB_FOUND)
  set(_ferry_mysql_default ON)
else()
  set(_ferry_mysql_default OFF)
endif()
option(FERRY_WITH_MYSQL "Build the MySQL/MariaDB adapter (libmariadb)" ${_ferry_mysql_default})
if(FERRY_WITH_MYSQL AND NOT LIBMARIADB_FOUND)
  message(FATAL_ERROR "FERRY_WITH_MYSQL is ON but libmariadb was not found: "
                      "install libmariadb-dev (scripts/install-deps.sh) or pass -DFERRY_WITH_MYSQL=OFF")
endif()
if(FERRY_WITH_MYSQL)
  message(STATUS "MySQL/MariaDB: libmariadb ${LIBMARIADB_VERSION}")
else()
  message(STATUS "MySQL/MariaDB: not built in (install libmariadb-dev)")
endif()
