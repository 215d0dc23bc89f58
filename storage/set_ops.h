// Shard-side ops of the set family on one DbTable, with Redis 7.0's semantics and keyspace
// events: "new" (from the table), "sadd", "srem", "spop", "sinterstore", "sunionstore",
// "sdiffstore", and "del" when a set becomes empty or a STORE result is empty. Results are plain
// values; replies are the command layer's job. Owning shard thread only.
//
// Set algebra (SINTER, SUNION, SDIFF and their STORE/CARD forms) is split so that it can run
// where the inputs are: the Compute* functions take the input sets (nullptr for a missing key)
// and build the result; a command whose keys live on several shards clones each input on its
// shard (CloneSetForRead), computes on the coordinator and stores with OpStoreSet on the
// destination's shard. Encoding limits are read from GlobalEncodingLimits() at each decision.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/db_table.h"
#include "storage/op_status.h"
#include "storage/set_value.h"

namespace tessera::storage {

// The random source of the random-reply commands, one per thread (seeded from random_device).
Rng& ThreadRng();

// set-max-intset-entries as the intset code wants it.
size_t MaxIntsetEntries();

// SADD: members added. kWrongType. Creates the key ("new") with Redis's initial encoding
// (intset if the first member is an integer); "sadd" if anything was added.
OpResult<int64_t> OpSAdd(DbTable& db, std::string_view key,
                         const std::vector<std::string_view>& members, int64_t now_ms);

// SREM: members removed. kWrongType. "srem" if anything was removed, then "del" if the set
// became empty (the key is deleted).
OpResult<int64_t> OpSRem(DbTable& db, std::string_view key,
                         const std::vector<std::string_view>& members, int64_t now_ms);

// SCARD: the cardinality, 0 for a missing key. kWrongType.
OpResult<int64_t> OpSCard(DbTable& db, std::string_view key, int64_t now_ms);

// SISMEMBER / SMISMEMBER: one flag per member (all false for a missing key). kWrongType.
OpStatus OpSMIsMember(DbTable& db, std::string_view key,
                      const std::vector<std::string_view>& members, int64_t now_ms,
                      std::vector<bool>* out);

// SMEMBERS: every member (ascending for an intset). kOk, kNoKey (empty), kWrongType.
OpStatus OpSMembers(DbTable& db, std::string_view key, int64_t now_ms,
                    std::vector<std::string>* out);

// SPOP without a count: the popped member, or nullopt for a missing key. kWrongType.
// "spop", then "del" if the set became empty.
OpResult<std::optional<std::string>> OpSPop(DbTable& db, std::string_view key, int64_t now_ms,
                                            Rng& rng);
// SPOP with a count (>= 0): up to `count` distinct members. kWrongType. A count of 0 or a missing
// key pops nothing and records nothing; otherwise "spop", then "del" when the whole set went.
OpStatus OpSPopCount(DbTable& db, std::string_view key, uint64_t count, int64_t now_ms, Rng& rng,
                     std::vector<std::string>* out);

// SRANDMEMBER without a count: a random member, nullopt for a missing key. kWrongType.
OpResult<std::optional<std::string>> OpSRandMember(DbTable& db, std::string_view key,
                                                   int64_t now_ms, Rng& rng);
// SRANDMEMBER with a count: count >= 0 gives min(count, size) distinct members; a negative count
// gives -count members that may repeat. kWrongType; a missing key gives none.
OpStatus OpSRandMemberCount(DbTable& db, std::string_view key, int64_t count, int64_t now_ms,
                            Rng& rng, std::vector<std::string>* out);

// SMOVE with both keys on this shard: true if moved (or, when src == dst, if it is a member).
// kNoKey (0: missing source), kWrongType (either key). Events: "srem" (and "del") on the
// source, "new" and "sadd" on the destination when it gained the member.
OpResult<bool> OpSMove(DbTable& db, std::string_view src, std::string_view dst,
                       std::string_view member, int64_t now_ms);

// The pieces of a cross-shard SMOVE, run in this order with the keys locked:
//  1. destination shard: OpSetTypeCheck(dst) — kWrongType stops the move (after step 2 has
//     decided a missing source answers 0 first).
//  2. source shard: OpSMoveTake — removes the member ("srem", "del").
//  3. destination shard, if taken: OpSAdd(dst, {member}).
// kOk if `key` holds a set, kNoKey if missing, kWrongType otherwise (a write lookup).
OpStatus OpSetTypeCheck(DbTable& db, std::string_view key, int64_t now_ms);
// Source half of SMOVE: kNoKey (0), kWrongType, else whether the member was removed.
// `dst_wrong_type` is step 1's verdict, checked after the source as Redis does.
OpResult<bool> OpSMoveTake(DbTable& db, std::string_view src, std::string_view member,
                           bool dst_wrong_type, int64_t now_ms);

// The set stored at `key` for a set-algebra input: *out is nullptr for a missing key. kOk or
// kWrongType. `for_store` uses a write lookup (no hit/miss stats, no "keymiss"). Redis 7.0.15's
// set algebra reads its sources with lookupKeyRead even when storing, so commands pass false.
OpStatus OpFindSet(DbTable& db, std::string_view key, bool for_store, int64_t now_ms,
                   const SetValue** out);
// Same, as a copy that may leave the shard (for the coordinator of a cross-shard command).
OpStatus CloneSetForRead(DbTable& db, std::string_view key, bool for_store, int64_t now_ms,
                         std::unique_ptr<SetValue>* out);

// Set algebra over inputs in argument order (nullptr = missing key = empty set). The results
// start as intsets and convert as members are added, as Redis builds its destination sets.
std::unique_ptr<SetValue> ComputeInter(const std::vector<const SetValue*>& sets);
// SINTERCARD: the intersection's size, stopping at `limit` when limit > 0.
int64_t ComputeInterCard(const std::vector<const SetValue*>& sets, int64_t limit);
std::unique_ptr<SetValue> ComputeUnion(const std::vector<const SetValue*>& sets);
std::unique_ptr<SetValue> ComputeDiff(const std::vector<const SetValue*>& sets);

// Stores a set-algebra result under `dst` (overwriting any value and dropping its TTL, as
// Redis's setKey) and records `event` ("sinterstore", ...). An empty result deletes `dst`
// instead, recording "del" if it existed. Returns the stored size.
int64_t OpStoreSet(DbTable& db, std::string_view dst, std::unique_ptr<SetValue> result,
                   const char* event, int64_t now_ms);

// SSCAN: appends members matching `pattern` (if any) to *out and returns the next cursor.
// kOk, kNoKey (cursor 0, nothing), kWrongType.
OpResult<uint64_t> OpSScan(DbTable& db, std::string_view key, uint64_t cursor, size_t count,
                           std::optional<std::string_view> pattern, int64_t now_ms,
                           std::vector<std::string>* out);

}  // namespace tessera::storage
