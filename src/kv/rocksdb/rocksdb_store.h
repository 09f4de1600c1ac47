// RocksDB behind the KvStore seam (kv_store.h).
//
// One DB handle per store, default column family, options tuned for bulk
// loads (a copy writes large sorted batches): bigger write buffer, level
// compaction sized for it. Every Write() is a WriteBatch with sync=true, so
// a batch and the copy checkpoint written in it are durable together.
// Checkpoint() is rocksdb::Checkpoint::CreateCheckpoint (hard links to the
// live SST files, a copy of the rest); its directory must not exist.
#pragma once

#include <memory>
#include <string>

#include "kv/kv_store.h"

namespace ferry {

// `path` is the store's directory. kExisting: NotFound when the directory
// holds no RocksDB (no CURRENT file), never creating one there. kReadOnly:
// DB::OpenForReadOnly with the info log silenced (nothing written), or an
// empty store when there is none.
Result<std::unique_ptr<KvStore>> OpenRocksDbStore(const std::string& path, KvOpenMode mode,
                                                  Env* env);

}  // namespace ferry
