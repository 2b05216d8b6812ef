// A small direct-mapped cache of results by the bytes they were computed
// from, for the matchers' per-thread scratch (internal to screening).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace cordon::screening_internal {

// Admission to a per-thread cache, as in TinyLFU: a key is admitted the
// second time it is offered, so one-off keys do not evict frequent ones.
// One bit per hash (16 bits per cache entry; a collision only admits a key
// early), all cleared after 16 offers per word, so that it reflects recent
// traffic.
class Doorkeeper {
 public:
  void Resize(size_t cache_entries) {
    bits_.assign(std::max<size_t>(1, cache_entries / 4), 0);
    uses_ = 0;
  }

  // Whether the key of `hash` was offered before (since the last clearing);
  // remembers it if not.
  bool Admit(uint64_t hash) {
    const uint64_t mixed = hash * 0xD6E8FEB86659FD93ULL;
    const size_t bit = static_cast<size_t>(mixed >> 32) & (bits_.size() * 64 - 1);
    uint64_t& word = bits_[bit / 64];
    const uint64_t mask = uint64_t{1} << (bit % 64);
    if (++uses_ >= bits_.size() * 16) {
      std::fill(bits_.begin(), bits_.end(), 0);
      uses_ = 0;
    }
    if ((word & mask) == 0) {
      word |= mask;
      return false;
    }
    return true;
  }

 private:
  std::vector<uint64_t> bits_;
  size_t uses_ = 0;
};

// Hits remembered by the bytes they were found in (no locking: one per
// scratch). Direct-mapped; an entry is one or more cache lines; bytes longer
// than kBytes or more than kHits hits are not kept. A key is stored the
// second time it is missed (Doorkeeper).
template <size_t kBytesOfEntry, size_t kHitsOfEntry>
class HitCache {
 public:
  static constexpr size_t kBytes = kBytesOfEntry;
  static constexpr size_t kHits = kHitsOfEntry;

  struct Entry {
    uint64_t hash;
    uint16_t size;  // 0 = empty
    uint16_t count;
    uint32_t hits[kHits];  // key | distance << 30
    char bytes[kBytes];
  };
  static_assert(sizeof(Entry) % 64 == 0);

  void Resize(size_t entries) {
    size_t size = 0;
    if (entries > 0) {
      size = 1;
      while (size < entries) size <<= 1;
    }
    entries_.assign(size, Entry{});
    doorkeeper_.Resize(size);
  }
  bool enabled() const { return !entries_.empty(); }

  const Entry* Find(uint64_t hash, const char* bytes, size_t size) const {
    const Entry& entry = entries_[Slot(hash)];
    if (entry.size != size || entry.hash != hash || std::memcmp(entry.bytes, bytes, size) != 0) {
      return nullptr;
    }
    return &entry;
  }

  // Starts fetching the entry `hash` would be in, as far as a key of `size`
  // bytes needs (the hits come before the bytes), so that a Find soon after
  // does not wait on memory.
  void Prefetch(uint64_t hash, size_t size) const {
    if (entries_.empty()) return;
    const auto* entry = reinterpret_cast<const char*>(&entries_[Slot(hash)]);
    const size_t end = std::min(sizeof(Entry), offsetof(Entry, bytes) + size);
    for (size_t line = 0; line < end; line += 64) __builtin_prefetch(entry + line);
  }

  void Insert(uint64_t hash, const char* bytes, size_t size, const uint32_t* hits, size_t count) {
    if (size == 0 || size > kBytes || count > kHits) return;
    if (!doorkeeper_.Admit(hash)) return;
    Entry& entry = entries_[Slot(hash)];
    entry.hash = hash;
    entry.size = static_cast<uint16_t>(size);
    entry.count = static_cast<uint16_t>(count);
    if (count > 0) std::memcpy(entry.hits, hits, count * sizeof(uint32_t));
    std::memcpy(entry.bytes, bytes, size);
  }

 private:
  size_t Slot(uint64_t hash) const {
    return static_cast<size_t>((hash * 0x9E3779B97F4A7C15ULL) >> 40) & (entries_.size() - 1);
  }
  std::vector<Entry> entries_;
  Doorkeeper doorkeeper_;
};

}  // namespace cordon::screening_internal
