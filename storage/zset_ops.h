// Shard-side ops of the sorted-set family on one DbTable, with Redis 7.0's semantics. Each op
// records Redis's keyspace events through the table: "zadd", "zincr", "zrem", "zremrangebyrank",
// "zremrangebyscore", "zremrangebylex", "zpopmin", "zpopmax", the store events ("zrangestore",
// "zunionstore", "zinterstore", "zdiffstore") and "del" when a set becomes empty or a store
// result is empty (plus "new", "expired" and "keymiss" from the table's lookups).
//
// Arguments arrive parsed (scores, ranges, counts); results are plain values and the command
// layer encodes the replies. Read commands use read lookups (hit/miss stats, "keymiss"), write
// commands write lookups, as in Redis. The set algebra of ZUNION/ZINTER/ZDIFF is pure and runs
// on the coordinator over inputs copied out by OpZReadInput. Owning shard thread only, except
// for the pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/db_table.h"
#include "storage/op_status.h"
#include "storage/score.h"
#include "storage/zset_value.h"

namespace tessera::storage {

// The zset at `key` for a write (lookupKeyWrite): nullptr with kNoKey or kWrongType.
ZSetValue* FindZSetForWrite(DbTable& db, std::string_view key, int64_t now_ms, OpStatus* status);
// The same for a read (lookupKeyRead).
const ZSetValue* FindZSetForRead(DbTable& db, std::string_view key, int64_t now_ms,
                                 OpStatus* status);

// ---- ZADD, ZINCRBY.

struct ZAddParams {
  bool nx = false;
  bool xx = false;
  bool gt = false;
  bool lt = false;
  bool ch = false;
  bool incr = false;  // ZADD INCR and ZINCRBY (exactly one element)
};

struct ZAddElement {
  double score;
  std::string_view member;
};

struct ZAddResult {
  OpStatus status = OpStatus::kOk;  // kOk or kWrongType
  bool nan = false;                 // INCR produced NaN: "ERR resulting score is not a number"
  int64_t added = 0;
  int64_t updated = 0;    // existing members whose score changed
  int64_t processed = 0;  // elements not skipped by NX/XX/GT/LT
  double score = 0;       // INCR: the member's new score (valid when processed > 0)
};

// zaddGenericCommand after parsing. XX on a missing key creates nothing. Event "zadd" (or
// "zincr" with incr) when anything was added or changed.
ZAddResult OpZAdd(DbTable& db, std::string_view key, const ZAddParams& params,
                  const std::vector<ZAddElement>& elements, int64_t now_ms);

// ---- Single-key reads.

// ZREM: members removed. kWrongType. Events "zrem", then "del" if the set became empty.
OpResult<int64_t> OpZRem(DbTable& db, std::string_view key,
                         const std::vector<std::string_view>& members, int64_t now_ms);
// ZCARD: 0 for a missing key. kWrongType.
OpResult<int64_t> OpZCard(DbTable& db, std::string_view key, int64_t now_ms);
// ZSCORE: kOk, kNoKey (missing key or member), kWrongType.
OpResult<double> OpZScore(DbTable& db, std::string_view key, std::string_view member,
                          int64_t now_ms);
// ZMSCORE: one entry per member (nullopt when absent); all nullopt for a missing key.
OpStatus OpZMScore(DbTable& db, std::string_view key, const std::vector<std::string_view>& members,
                   int64_t now_ms, std::vector<std::optional<double>>* out);
// ZRANK / ZREVRANK: kOk, kNoKey (missing key or member), kWrongType.
OpResult<int64_t> OpZRank(DbTable& db, std::string_view key, std::string_view member, bool reverse,
                          int64_t now_ms);
// ZCOUNT / ZLEXCOUNT: 0 for a missing key. kWrongType.
OpResult<int64_t> OpZCount(DbTable& db, std::string_view key, const ScoreRange& range,
                           int64_t now_ms);
OpResult<int64_t> OpZLexCount(DbTable& db, std::string_view key, const LexRange& range,
                              int64_t now_ms);

// ---- Ranges.

// What Z[REV]RANGE[BYSCORE|BYLEX] and ZRANGESTORE select.
struct ZRangeSpec {
  enum class By : uint8_t { kRank, kScore, kLex };
  By by = By::kRank;
  bool reverse = false;
  int64_t start = 0;  // kRank, Redis's negative-index rules
  int64_t end = -1;
  ScoreRange score;    // kScore
  LexRange lex;        // kLex
  int64_t offset = 0;  // LIMIT (kScore, kLex); a negative offset selects nothing, as in Redis
  int64_t limit = -1;  // LIMIT count; negative = no limit
};

// The selected elements, in reply order, appended to *out. kOk, kNoKey (missing), kWrongType.
OpStatus OpZRange(DbTable& db, std::string_view key, const ZRangeSpec& spec, int64_t now_ms,
                  std::vector<ScoredMember>* out);
// The same on a value (the engine of OpZRange; also used by SORT BY nosort on zsets).
void ZRangeOf(const ZSetValue& z, const ZRangeSpec& spec, std::vector<ScoredMember>* out);

// ZREMRANGEBYRANK/SCORE/LEX (spec.by; reverse and LIMIT unused). Removed count; 0 for a
// missing key. kWrongType. Events "zremrangebyrank"/"zremrangebyscore"/"zremrangebylex" (the
// names redis-server 7.0 sends; its docs say "zrembyscore"), then "del" if empty.
OpResult<int64_t> OpZRemRange(DbTable& db, std::string_view key, const ZRangeSpec& spec,
                              int64_t now_ms);

// Stores `members` (ascending, unique) under `key` as Redis's setKey does (replacing any value
// and TTL) and records `event`; an empty result deletes the key instead ("del" if it existed).
// Returns the stored size.
int64_t OpZStore(DbTable& db, std::string_view key, const std::vector<ScoredMember>& members,
                 const char* event, int64_t now_ms);

// ---- Pops.

// ZPOPMIN / ZPOPMAX (and ZMPOP, BZPOP*): up to `count` elements from the low (or high) end,
// appended to *out in pop order. kOk, kNoKey (missing), kWrongType. Events "zpopmin" or
// "zpopmax" once, then "del" if the set became empty.
OpStatus OpZPop(DbTable& db, std::string_view key, bool max, int64_t count, int64_t now_ms,
                std::vector<ScoredMember>* out);

// ---- Random members.

// ZRANDMEMBER with a count: `count` > 0 distinct members (the whole set, in order, when count
// >= size), `count` < 0 that many independent picks. kOk (also for a missing key: nothing
// appended), kWrongType. Without a count use count 1 and check kNoKey.
OpStatus OpZRandMember(DbTable& db, std::string_view key, int64_t count, int64_t now_ms,
                       std::vector<ScoredMember>* out);

// ---- ZSCAN.

// One ZSCAN call on a value (the command looks the key up first, because Redis checks the key
// before the scan options). Appends member/score pairs whose member matches `pattern` (if any)
// and returns the next cursor.
uint64_t ZScanOf(const ZSetValue& z, uint64_t cursor, size_t count,
                 std::optional<std::string_view> pattern, std::vector<ScoredMember>* out);

// ---- Multi-key set algebra (ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD).

// One input key, copied out of its shard.
struct ZInput {
  enum class Kind : uint8_t { kMissing, kZSet, kSet };
  Kind kind = Kind::kMissing;
  std::vector<ScoredMember> members;  // a set's members have score 1
};

// Reads an input for the algebra commands: a zset, or a set (scores 1). kOk (also for a
// missing key, kind kMissing) or kWrongType.
OpStatus OpZReadInput(DbTable& db, std::string_view key, int64_t now_ms, ZInput* out);

enum class ZAggregate : uint8_t { kSum, kMin, kMax };

// zunionInterDiffGenericCommand's algebra, over inputs in argument order with their weights
// (ignored by ZDiff). Results are ascending by (score, member). NaN products and sums become 0
// exactly where Redis makes them 0.
std::vector<ScoredMember> ZUnion(const std::vector<const ZInput*>& inputs,
                                 const std::vector<double>& weights, ZAggregate aggregate);
std::vector<ScoredMember> ZInter(const std::vector<const ZInput*>& inputs,
                                 const std::vector<double>& weights, ZAggregate aggregate);
std::vector<ScoredMember> ZDiff(const std::vector<const ZInput*>& inputs);
// ZINTERCARD: the intersection's size, stopping at `limit` (0 = no limit).
int64_t ZInterCard(const std::vector<const ZInput*>& inputs, int64_t limit);

}  // namespace tessera::storage
