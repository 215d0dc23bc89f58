// CLIENT: the connection's own settings (ID, SETNAME, GETNAME, SETINFO, REPLY, NO-EVICT,
// NO-TOUCH), and every loop's connections (LIST, KILL).
//
// Subcommands run on the coordinator (the client's own loop). LIST and KILL fan out to every
// loop: each step runs on the loop that owns those connections and touches only them.
#include "src/commands/client_cmds.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/spec_builder.h"
#include "src/engine/engine.h"
#include "src/engine/key_waiters.h"
#include "src/engine/op_context.h"
#include "src/net/connection.h"
#include "src/net/loop_net.h"
#include "src/runtime/clock.h"

namespace tessera::commands {
namespace {

using engine::CommandCall;
using protocol::CommandArgs;
using protocol::ReplyBuilder;

// ---- CLIENT LIST / INFO lines.

// One connection's line, in Redis 7.0's field order. `conn` is null for clients without a
// socket (in-process test clients). `argv_mem` is the size of the command being run (Redis
// reports it for the client running CLIENT LIST; idle clients hold no arguments).
std::string ClientLine(net::Client& client, const net::Connection* conn, size_t argv_mem) {
  net::ClientSession& s = client.session();
  int64_t now = runtime::MonotonicMs();
  auto seconds_since = [now](int64_t then_ms) {
    return then_ms > 0 && now > then_ms ? (now - then_ms) / 1000 : 0;
  };
  std::string flags;
  if (s.close_after_reply) flags.push_back('c');
  if (s.no_evict) flags.push_back('e');
  if (s.no_touch) flags.push_back('T');  // Redis 7.2's letter for CLIENT NO-TOUCH
  if (flags.empty()) flags.push_back('N');
  size_t qbuf = conn != nullptr ? conn->query_buffer_bytes() : 0;
  size_t out = client.output_bytes();
  size_t tot =
      (conn != nullptr ? sizeof(net::Connection) : sizeof(net::Client)) + qbuf + out + argv_mem;

  std::string line;
  line.reserve(320);
  auto field = [&line](std::string_view name, std::string_view value) {
    if (!line.empty()) line.push_back(' ');
    line.append(name);
    line.push_back('=');
    line.append(value);
  };
  auto num = [&field](std::string_view name, int64_t v) { field(name, std::to_string(v)); };
  num("id", static_cast<int64_t>(s.id));
  field("addr", s.addr);
  field("laddr", s.laddr);
  num("fd", s.fd);
  field("name", s.name);
  num("age", seconds_since(s.created_ms));
  num("idle", seconds_since(s.last_interaction_ms));
  field("flags", flags);
  num("db", s.db);
  num("sub", 0);
  num("psub", 0);
  num("ssub", 0);
  num("multi", -1);
  num("qbuf", static_cast<int64_t>(qbuf));
  num("qbuf-free", 0);
  num("argv-mem", static_cast<int64_t>(argv_mem));
  num("multi-mem", 0);
  // Reads go through one buffer per loop, so a connection has no read buffer of its own.
  num("rbs", 0);
  num("rbp", 0);
  num("obl", static_cast<int64_t>(out));
  num("oll", 0);
  num("omem", static_cast<int64_t>(out));
  num("tot-mem", static_cast<int64_t>(tot));
  field("events", out > 0 ? "rw" : "r");
  field("cmd", s.last_command.empty() ? "NULL" : s.last_command);
  field("user", "default");
  num("redir", -1);
  num("resp", static_cast<int>(s.resp));
  return line;
}

// Redis's getClientTypeByName. Every Tessera client is "normal" (no replicas, masters or
// pub/sub clients yet), so a filter either matches all clients or none.
enum class TypeFilter { kAny, kNormal, kNone, kUnknown };
TypeFilter ParseClientType(std::string_view name) {
  if (EqualsIgnoreCase(name, "normal")) return TypeFilter::kNormal;
  if (EqualsIgnoreCase(name, "slave") || EqualsIgnoreCase(name, "replica") ||
      EqualsIgnoreCase(name, "master") || EqualsIgnoreCase(name, "pubsub")) {
    return TypeFilter::kNone;
  }
  return TypeFilter::kUnknown;
}

// Calls fn(conn) for every TCP connection of the loop a step runs on, except `skip_id`.
template <typename Fn>
void ForEachOtherConnection(engine::Engine& eng, engine::ShardId loop, uint64_t skip_id, Fn&& fn) {
  net::LoopNet* net = eng.loop_net(loop);
  if (net == nullptr) return;
  net->ForEachConnection([&](net::Connection& conn) {
    if (conn.session().id != skip_id && !conn.closed()) fn(conn);
  });
}

// The caller's TCP connection; null for in-process (test) clients.
const net::Connection* OwnConnection(CommandCall& call) {
  net::LoopNet* net = call.engine().loop_net(call.local_shard());
  return net != nullptr ? net->FindById(call.session().id) : nullptr;
}

void ReplyClientText(ReplyBuilder& reply, const std::string& text) {
  // Redis 7.0 sends CLIENT LIST/INFO as a verbatim "txt" string (a bulk string in RESP2).
  reply.Verbatim(text, "txt");
}

// ---- CLIENT subcommands.

void ClientId(CommandCall& call) { call.reply().Integer(static_cast<int64_t>(call.session().id)); }

void ClientSetName(CommandCall& call) {
  std::string_view name = call.args()[2];
  if (!ValidClientName(name)) {
    call.reply().Error(kErrBadClientName);
    return;
  }
  call.session().name.assign(name);  // an empty name clears it
  call.reply().Ok();
}

void ClientGetName(CommandCall& call) {
  const std::string& name = call.session().name;
  if (name.empty()) {
    call.reply().Null();
  } else {
    call.reply().Bulk(name);
  }
}

// Redis 7.2's CLIENT SETINFO. Clients (redis-py 5, go-redis 9, ...) send it right after
// connecting, so it is accepted here although 7.0 lacks it.
void ClientSetInfo(CommandCall& call) {
  std::string_view attr = call.args()[2];
  std::string_view value = call.args()[3];
  std::string* dest;
  if (EqualsIgnoreCase(attr, "lib-name")) {
    dest = &call.session().lib_name;
  } else if (EqualsIgnoreCase(attr, "lib-ver")) {
    dest = &call.session().lib_ver;
  } else {
    call.reply().Error("ERR Unrecognized option '" + std::string(attr) + "'");
    return;
  }
  if (!ValidClientName(value)) {
    call.reply().Error("ERR " + std::string(attr) +
                       " cannot contain spaces, newlines or special characters.");
    return;
  }
  dest->assign(value);
  call.reply().Ok();
}

void ClientInfo(CommandCall& call) {
  ReplyClientText(call.reply(),
                  ClientLine(call.client(), OwnConnection(call), call.args().bytes()) + "\n");
}

void ClientList(CommandCall& call) {
  const CommandArgs& args = call.args();
  TypeFilter type = TypeFilter::kAny;
  std::vector<uint64_t> ids;
  bool by_id = false;
  if (args.size() == 4 && EqualsIgnoreCase(args[2], "type")) {
    type = ParseClientType(args[3]);
    if (type == TypeFilter::kUnknown) {
      call.reply().Error("ERR Unknown client type '" + std::string(args[3]) + "'");
      return;
    }
  } else if (args.size() > 3 && EqualsIgnoreCase(args[2], "id")) {
    by_id = true;
    for (size_t j = 3; j < args.size(); ++j) {
      int64_t id;
      if (!Int64OrReply(args[j], call.reply(), &id, "ERR Invalid client ID")) return;
      ids.push_back(static_cast<uint64_t>(id));
    }
  } else if (args.size() != 2) {
    call.reply().Error(kErrSyntax);
    return;
  }
  if (type == TypeFilter::kNone) {
    ReplyClientText(call.reply(), "");
    return;
  }

  using Lines = std::vector<std::pair<uint64_t, std::string>>;
  auto per_loop = std::make_shared<std::vector<Lines>>(call.shard_count());
  engine::Engine* eng = &call.engine();
  uint64_t self = call.session().id;
  call.RunOnAllShards(
      [per_loop, eng, self](engine::OpContext& ctx) {
        Lines& out = (*per_loop)[ctx.shard_id()];
        ForEachOtherConnection(*eng, ctx.shard_id(), self, [&out](net::Connection& conn) {
          out.emplace_back(conn.session().id, ClientLine(conn, &conn, 0));
        });
      },
      [per_loop, by_id, ids = std::move(ids)](CommandCall& call) {
        // The caller's own line is built here, from its live session.
        Lines all;
        all.emplace_back(call.session().id,
                         ClientLine(call.client(), OwnConnection(call), call.args().bytes()));
        for (Lines& lines : *per_loop) {
          for (auto& l : lines) all.push_back(std::move(l));
        }
        // Redis lists clients in connection order; ids grow with it.
        std::sort(all.begin(), all.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        std::string text;
        auto append = [&text](const std::string& line) {
          text.append(line);
          text.push_back('\n');
        };
        if (by_id) {
          // In argument order, repeats included, as Redis does.
          for (uint64_t id : ids) {
            auto it = std::lower_bound(all.begin(), all.end(), id,
                                       [](const auto& e, uint64_t v) { return e.first < v; });
            if (it != all.end() && it->first == id) append(it->second);
          }
        } else {
          for (const auto& [id, line] : all) append(line);
        }
        ReplyClientText(call.reply(), text);
      });
}

struct KillFilter {
  bool has_addr = false, has_laddr = false;
  std::string addr, laddr;
  uint64_t id = 0;          // 0: any
  bool match_none = false;  // a TYPE no Tessera client has
  bool skip_me = true;

  bool Matches(const net::ClientSession& s) const {
    if (match_none) return false;
    if (has_addr && s.addr != addr) return false;
    if (has_laddr && s.laddr != laddr) return false;
    if (id != 0 && s.id != id) return false;
    return true;
  }
};

void ClientKill(CommandCall& call) {
  const CommandArgs& args = call.args();
  ReplyBuilder& reply = call.reply();
  KillFilter filter;
  bool old_form = args.size() == 3;
  if (old_form) {
    // CLIENT KILL <ip:port>: this form may kill the caller itself.
    filter.has_addr = true;
    filter.addr.assign(args[2]);
    filter.skip_me = false;
  } else {
    for (size_t i = 2; i < args.size(); i += 2) {
      bool more = i + 1 < args.size();
      std::string_view opt = args[i];
      if (EqualsIgnoreCase(opt, "id") && more) {
        int64_t id;
        if (!RangeOrReply(args[i + 1], 1, INT64_MAX, reply, &id,
                          "ERR client-id should be greater than 0")) {
          return;
        }
        filter.id = static_cast<uint64_t>(id);
      } else if (EqualsIgnoreCase(opt, "type") && more) {
        TypeFilter type = ParseClientType(args[i + 1]);
        if (type == TypeFilter::kUnknown) {
          reply.Error("ERR Unknown client type '" + std::string(args[i + 1]) + "'");
          return;
        }
        if (type == TypeFilter::kNone) filter.match_none = true;
      } else if (EqualsIgnoreCase(opt, "addr") && more) {
        filter.has_addr = true;
        filter.addr.assign(args[i + 1]);
      } else if (EqualsIgnoreCase(opt, "laddr") && more) {
        filter.has_laddr = true;
        filter.laddr.assign(args[i + 1]);
      } else if (EqualsIgnoreCase(opt, "user") && more) {
        // Only the default user exists, and every client is authenticated as it.
        if (args[i + 1] != "default") {
          reply.Error("ERR No such user '" + std::string(args[i + 1]) + "'");
          return;
        }
      } else if (EqualsIgnoreCase(opt, "skipme") && more) {
        if (EqualsIgnoreCase(args[i + 1], "yes")) {
          filter.skip_me = true;
        } else if (EqualsIgnoreCase(args[i + 1], "no")) {
          filter.skip_me = false;
        } else {
          reply.Error(kErrSyntax);
          return;
        }
      } else {
        reply.Error(kErrSyntax);
        return;
      }
    }
  }

  auto killed = std::make_shared<std::vector<int64_t>>(call.shard_count(), 0);
  auto shared_filter = std::make_shared<const KillFilter>(std::move(filter));
  engine::Engine* eng = &call.engine();
  uint64_t self = call.session().id;
  call.RunOnAllShards(
      [killed, shared_filter, eng, self](engine::OpContext& ctx) {
        // Collect first: closing a connection removes it from the map being walked.
        std::vector<net::Connection*> victims;
        ForEachOtherConnection(*eng, ctx.shard_id(), self, [&](net::Connection& conn) {
          if (shared_filter->Matches(conn.session())) victims.push_back(&conn);
        });
        for (net::Connection* conn : victims) conn->Close();
        (*killed)[ctx.shard_id()] = static_cast<int64_t>(victims.size());
      },
      [killed, shared_filter, old_form](CommandCall& call) {
        int64_t total = 0;
        for (int64_t n : *killed) total += n;
        // The caller is closed only after its reply is out (CLIENT_CLOSE_AFTER_REPLY).
        bool kill_self = !shared_filter->skip_me && shared_filter->Matches(call.session());
        if (kill_self) ++total;
        if (old_form) {
          if (total == 0) {
            call.reply().Error("ERR No such client");
          } else {
            call.reply().Ok();
          }
        } else {
          call.reply().Integer(total);
        }
        if (kill_self) call.session().close_after_reply = true;
      });
}

// ON/OFF switches: NO-EVICT and NO-TOUCH.
void ClientSwitch(CommandCall& call, bool net::ClientSession::*field) {
  std::string_view v = call.args()[2];
  if (EqualsIgnoreCase(v, "on")) {
    call.session().*field = true;
  } else if (EqualsIgnoreCase(v, "off")) {
    call.session().*field = false;
  } else {
    call.reply().Error(kErrSyntax);
    return;
  }
  call.reply().Ok();
}

void ClientNoEvict(CommandCall& call) { ClientSwitch(call, &net::ClientSession::no_evict); }
void ClientNoTouch(CommandCall& call) { ClientSwitch(call, &net::ClientSession::no_touch); }

void ClientReply(CommandCall& call) {
  std::string_view mode = call.args()[2];
  net::ClientSession& s = call.session();
  if (EqualsIgnoreCase(mode, "on")) {
    bool was_off = s.reply_mode == net::ReplyMode::kOff;
    s.reply_mode = net::ReplyMode::kOn;
    ReplyBuilder(UnmutedReplyOut(call, was_off), call.resp()).Ok();
  } else if (EqualsIgnoreCase(mode, "off")) {
    s.reply_mode = net::ReplyMode::kOff;  // no reply, not even to this command
  } else if (EqualsIgnoreCase(mode, "skip")) {
    // Skipping is moot while replies are off. The engine turns kSkipNext into "discard the next
    // command's reply" once this command is done.
    if (s.reply_mode != net::ReplyMode::kOff) s.reply_mode = net::ReplyMode::kSkipNext;
  } else {
    call.reply().Error(kErrSyntax);
  }
}

// Client-side caching is not supported, so tracking is always off: these answer as Redis does
// for a client that never enabled it.
void ClientGetRedir(CommandCall& call) { call.reply().Integer(-1); }

void ClientTrackingInfo(CommandCall& call) {
  ReplyBuilder& reply = call.reply();
  reply.Map(3);
  reply.Bulk("flags");
  reply.Set(1);
  reply.Bulk("off");
  reply.Bulk("redirect");
  reply.Integer(-1);
  reply.Bulk("prefixes");
  reply.Array(0);
}

void ClientCaching(CommandCall& call) {
  call.reply().Error(
      "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
      "OPTOUT mode enabled");
}

// The target may be blocked on any loop: each loop looks in its own BlockedClients (at most one
// has the id). Unblocking claims the waiter there, so it cannot also be served.
void ClientUnblock(CommandCall& call) {
  const CommandArgs& args = call.args();
  if (args.size() > 4) {
    call.reply().Error(SubcommandSyntaxError(args[0], args[1]));
    return;
  }
  if (args.size() == 4 && !EqualsIgnoreCase(args[3], "timeout") &&
      !EqualsIgnoreCase(args[3], "error")) {
    call.reply().Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    return;
  }
  int64_t id;
  if (!Int64OrReply(args[2], call.reply(), &id)) return;
  const bool with_error = args.size() == 4 && EqualsIgnoreCase(args[3], "error");
  auto unblocked = std::make_shared<std::vector<char>>(call.shard_count(), 0);
  engine::Engine* eng = &call.engine();
  call.RunOnAllShards(
      [unblocked, eng, id, with_error](engine::OpContext& ctx) {
        (*unblocked)[ctx.shard_id()] =
            eng->blocked_clients(ctx.shard_id()).Unblock(static_cast<uint64_t>(id), with_error);
      },
      [unblocked](CommandCall& call) {
        bool any = std::find(unblocked->begin(), unblocked->end(), 1) != unblocked->end();
        call.reply().Integer(any ? 1 : 0);
      });
}

void ClientHelp(CommandCall& call) {
  // Redis 7.0's text for the subcommands Tessera has, plus 7.2's SETINFO and NO-TOUCH.
  ReplyHelp(call.reply(), call.args()[0],
            {
                "CACHING (YES|NO)",
                "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
                "GETREDIR",
                "    Return the client ID we are redirecting to when tracking is enabled.",
                "GETNAME",
                "    Return the name of the current connection.",
                "ID",
                "    Return the ID of the current connection.",
                "INFO",
                "    Return information about the current client connection.",
                "KILL <ip:port>",
                "    Kill connection made from <ip:port>.",
                "KILL <option> <value> [<option> <value> [...]]",
                "    Kill connections. Options are:",
                "    * ADDR (<ip:port>|<unixsocket>:0)",
                "      Kill connections made from the specified address",
                "    * LADDR (<ip:port>|<unixsocket>:0)",
                "      Kill connections made to specified local address",
                "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                "      Kill connections by type.",
                "    * USER <username>",
                "      Kill connections authenticated by <username>.",
                "    * SKIPME (YES|NO)",
                "      Skip killing current connection (default: yes).",
                "LIST [options ...]",
                "    Return information about client connections. Options:",
                "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                "      Return clients of specified type.",
                "REPLY (ON|OFF|SKIP)",
                "    Control the replies sent to the current connection.",
                "SETNAME <name>",
                "    Assign the name <name> to the current connection.",
                "SETINFO <option> <value>",
                "    Set client meta attr. Options are:",
                "    * LIB-NAME: the client lib name.",
                "    * LIB-VER: the client lib version.",
                "UNBLOCK <clientid> [TIMEOUT|ERROR]",
                "    Unblock the specified blocked client.",
                "TRACKINGINFO",
                "    Report tracking status for the current connection.",
                "NO-EVICT (ON|OFF)",
                "    Protect current client connection from eviction.",
                "NO-TOUCH (ON|OFF)",
                "    Will not touch LRU/LFU stats when this mode is on.",
            });
}

}  // namespace

bool ValidClientName(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= '!' && c <= '~'; });
}

std::string* UnmutedReplyOut(CommandCall& call, bool replies_were_off) {
  return replies_were_off ? call.client().SyncReplyBuffer() : call.reply().out();
}

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS (SETINFO and NO-TOUCH: 7.2's).
void RegisterClientCommand(engine::CommandRegistry& registry) {
  constexpr std::string_view kFlags = "noscript loading stale";
  constexpr std::string_view kAdminFlags = "admin noscript loading stale";
  constexpr std::string_view kAcl = "@slow @connection";
  constexpr std::string_view kAdminAcl = "@admin @slow @dangerous @connection";
  constexpr std::string_view kPerClient = "O(N) where N is the number of client connections";
  auto sub = [](std::string_view name, int arity, std::string_view flags, std::string_view acl,
                std::string_view since, std::string_view summary, std::string_view complexity,
                engine::CoordinatorFn fn) {
    return std::move(SpecBuilder(name, arity)
                         .Flags(flags)
                         .Acl(acl)
                         .Docs("connection", since, summary, complexity)
                         .Coordinator(std::move(fn)));
  };
  // CLIENT PAUSE/UNPAUSE and TRACKING are not implemented: "unknown subcommand".
  registry.Add(
      SpecBuilder("client", -2)
          .Acl("@slow")
          .Docs("connection", "2.4.0", "A container for client connection commands",
                "Depends on subcommand.")
          .Sub(sub("caching", 3, kFlags, kAcl, "6.0.0",
                   "Instruct the server about tracking or not keys in the next request", "O(1)",
                   ClientCaching)
                   .Build())
          .Sub(sub("getname", 2, kFlags, kAcl, "2.6.9", "Get the current connection name", "O(1)",
                   ClientGetName)
                   .Build())
          .Sub(sub("getredir", 2, kFlags, kAcl, "6.0.0",
                   "Get tracking notifications redirection client ID if any", "O(1)",
                   ClientGetRedir)
                   .Build())
          .Sub(sub("help", 2, "loading stale", kAcl, "5.0.0",
                   "Show helpful text about the different subcommands", "O(1)", ClientHelp)
                   .Build())
          .Sub(sub("id", 2, kFlags, kAcl, "5.0.0",
                   "Returns the client ID for the current connection", "O(1)", ClientId)
                   .Build())
          .Sub(sub("info", 2, kFlags, kAcl, "6.2.0",
                   "Returns information about the current client connection.", "O(1)", ClientInfo)
                   .Tips("nondeterministic_output")
                   .Build())
          .Sub(sub("kill", -3, kAdminFlags, kAdminAcl, "2.4.0", "Kill the connection of a client",
                   kPerClient, ClientKill)
                   .Build())
          .Sub(sub("list", -2, kAdminFlags, kAdminAcl, "2.4.0",
                   "Get the list of client connections", kPerClient, ClientList)
                   .Tips("nondeterministic_output")
                   .Build())
          .Sub(sub("no-evict", 3, kAdminFlags, kAdminAcl, "7.0.0",
                   "Set client eviction mode for the current connection", "O(1)", ClientNoEvict)
                   .Build())
          .Sub(sub("no-touch", 3, kFlags, kAcl, "7.2.0",
                   "Controls whether commands sent by the client affect the LRU/LFU of accessed "
                   "keys.",
                   "O(1)", ClientNoTouch)
                   .Build())
          .Sub(sub("reply", 3, kFlags, kAcl, "3.2.0",
                   "Instruct the server whether to reply to commands", "O(1)", ClientReply)
                   .Build())
          .Sub(sub("setinfo", 4, kFlags, kAcl, "7.2.0",
                   "Sets information specific to the client or connection.", "O(1)", ClientSetInfo)
                   .Tips("request_policy:all_nodes response_policy:all_succeeded")
                   .Build())
          .Sub(sub("setname", 3, kFlags, kAcl, "2.6.9", "Set the current connection name", "O(1)",
                   ClientSetName)
                   .Build())
          .Sub(sub("trackinginfo", 2, kFlags, kAcl, "6.2.0",
                   "Return information about server assisted client side caching for the "
                   "current connection",
                   "O(1)", ClientTrackingInfo)
                   .Build())
          .Sub(sub("unblock", -3, kAdminFlags, kAdminAcl, "5.0.0",
                   "Unblock a client blocked in a blocking command from a different connection",
                   "O(log N) where N is the number of client connections", ClientUnblock)
                   .Build())
          .Build());
}

}  // namespace tessera::commands
