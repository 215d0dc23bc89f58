// Constants of Redis's RDB file format as Redis 7.0 writes it (RDB version 10), shared by the
// writer and the reader. Plain constants; any thread.
//
// A file is "REDIS" + four ASCII digits of version, then a sequence of opcodes and key records,
// then RDB_OPCODE_EOF and (version >= 5) the CRC-64/Jones of everything before it, little endian.
//
// Lengths are big-endian prefixes whose top two bits select the width:
//   00xxxxxx                     6-bit length
//   01xxxxxx xxxxxxxx            14-bit length
//   10000000 <4 bytes>           32-bit length
//   10000001 <8 bytes>           64-bit length
//   11xxxxxx                     not a length: a special string encoding (below)
// A string is a length and its bytes, or one of the special encodings: an integer stored in
// 1, 2 or 4 little-endian bytes (the string is its decimal form), or an LZF-compressed block
// (<compressed length> <original length> <data>).
#pragma once

#include <cstdint>
#include <string_view>

namespace tessera::persistence {

inline constexpr int kRdbVersion = 10;
inline constexpr std::string_view kRdbMagic = "REDIS";

// Value types (the byte before a record's key).
inline constexpr uint8_t kRdbTypeString = 0;
inline constexpr uint8_t kRdbTypeList = 1;
inline constexpr uint8_t kRdbTypeSet = 2;
inline constexpr uint8_t kRdbTypeZSet = 3;
inline constexpr uint8_t kRdbTypeHash = 4;
inline constexpr uint8_t kRdbTypeZSet2 = 5;
inline constexpr uint8_t kRdbTypeModulePre = 6;
inline constexpr uint8_t kRdbTypeModule2 = 7;
inline constexpr uint8_t kRdbTypeHashZipmap = 9;
inline constexpr uint8_t kRdbTypeListZiplist = 10;
inline constexpr uint8_t kRdbTypeSetIntset = 11;
inline constexpr uint8_t kRdbTypeZSetZiplist = 12;
inline constexpr uint8_t kRdbTypeHashZiplist = 13;
inline constexpr uint8_t kRdbTypeListQuicklist = 14;
inline constexpr uint8_t kRdbTypeStreamListpacks = 15;
inline constexpr uint8_t kRdbTypeHashListpack = 16;
inline constexpr uint8_t kRdbTypeZSetListpack = 17;
inline constexpr uint8_t kRdbTypeListQuicklist2 = 18;
inline constexpr uint8_t kRdbTypeStreamListpacks2 = 19;

// Whether `t` names a value type (8 was never assigned).
constexpr bool IsRdbObjectType(uint8_t t) {
  return t <= kRdbTypeModule2 || (t >= kRdbTypeHashZipmap && t <= kRdbTypeStreamListpacks2);
}

// Opcodes, which share the type byte's space.
inline constexpr uint8_t kRdbOpcodeFunction2 = 245;
inline constexpr uint8_t kRdbOpcodeFunction = 246;
inline constexpr uint8_t kRdbOpcodeModuleAux = 247;
inline constexpr uint8_t kRdbOpcodeIdle = 248;
inline constexpr uint8_t kRdbOpcodeFreq = 249;
inline constexpr uint8_t kRdbOpcodeAux = 250;
inline constexpr uint8_t kRdbOpcodeResizeDb = 251;
inline constexpr uint8_t kRdbOpcodeExpireTimeMs = 252;
inline constexpr uint8_t kRdbOpcodeExpireTime = 253;
inline constexpr uint8_t kRdbOpcodeSelectDb = 254;
inline constexpr uint8_t kRdbOpcodeEof = 255;

// Length prefixes.
inline constexpr uint8_t kRdbLen6Bit = 0;
inline constexpr uint8_t kRdbLen14Bit = 1;
inline constexpr uint8_t kRdbLen32Bit = 0x80;
inline constexpr uint8_t kRdbLen64Bit = 0x81;
inline constexpr uint8_t kRdbEncVal = 3;  // top two bits 11: a special string encoding

// Special string encodings (the low six bits after 11).
inline constexpr uint8_t kRdbEncInt8 = 0;
inline constexpr uint8_t kRdbEncInt16 = 1;
inline constexpr uint8_t kRdbEncInt32 = 2;
inline constexpr uint8_t kRdbEncLzf = 3;

// Quicklist node containers in LIST_QUICKLIST_2.
inline constexpr uint64_t kQuicklistNodePlain = 1;
inline constexpr uint64_t kQuicklistNodePacked = 2;

// Redis compresses strings only above this length (rdbSaveRawString).
inline constexpr size_t kRdbCompressMinLen = 20;

// The old ZSET type's text scores: a one-byte length, or one of these for special values.
inline constexpr uint8_t kRdbScoreNaN = 253;
inline constexpr uint8_t kRdbScorePosInf = 254;
inline constexpr uint8_t kRdbScoreNegInf = 255;

}  // namespace tessera::persistence
