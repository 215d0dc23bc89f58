// Connection commands: PING, ECHO, QUIT, RESET, SELECT, AUTH and HELLO (CLIENT is in
// client_cmds.cc).
//
// Everything that reads or changes the connection's session runs on the coordinator (the
// client's own loop). PING and ECHO need no session, so they are keyless shard ops and take the
// engine's inline fast path (redis-benchmark's PING tests measure exactly that path).
#include <string>
#include <string_view>

#include "src/commands/arg_parse.h"
#include "src/commands/auth_config.h"
#include "src/commands/client_cmds.h"
#include "src/commands/register.h"
#include "src/commands/spec_builder.h"
#include "src/engine/command_call.h"
#include "src/engine/engine.h"
#include "src/engine/op_context.h"
#include "src/engine/transaction.h"

namespace tessera::commands {
namespace {

using engine::CommandCall;
using protocol::CommandArgs;
using protocol::ReplyBuilder;

constexpr std::string_view kErrWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";

// The default user with the configured password; Redis 7.0 has no other users here.
bool CredentialsOk(std::string_view user, std::string_view password) {
  return user == "default" && AuthConfig::CheckPassword(password);
}

void Ping(engine::OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  // Arity is -1 but Redis rejects a second argument itself.
  if (args.size() > 2) {
    reply.Error(WrongArgCountError("ping"));
  } else if (args.size() == 1) {
    reply.SimpleString("PONG");
  } else {
    reply.Bulk(args[1]);
  }
}

void Echo(engine::OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  reply.Bulk(args[1]);
}

void Quit(CommandCall& call) {
  call.reply().Ok();
  call.session().close_after_reply = true;
}

void Reset(CommandCall& call) {
  net::ClientSession& s = call.session();
  // Leaves MULTI and forgets WATCHes, as Redis's RESET does (discardTransaction, unwatch).
  engine::ClearTransactionState(call.engine(), s);
  bool was_off = s.reply_mode == net::ReplyMode::kOff;
  s.db = 0;
  s.resp = protocol::RespVersion::kResp2;
  s.name.clear();
  s.no_evict = false;
  s.no_touch = false;
  s.reply_mode = net::ReplyMode::kOn;
  call.engine().pubsub().UnsubscribeAll(call.client());
  // Back to the default user: authenticated only when it needs no password.
  call.client().SetAuthenticated(!AuthConfig::PasswordRequired());
  // The reply is a status line, identical in RESP2 and RESP3.
  ReplyBuilder(UnmutedReplyOut(call, was_off), protocol::RespVersion::kResp2).SimpleString("RESET");
}

void Select(CommandCall& call) {
  int index;
  if (!IntOrReply(call.args()[1], call.reply(), &index)) return;
  if (index < 0 || index >= call.engine().databases()) {
    call.reply().Error("ERR DB index is out of range");
    return;
  }
  call.session().db = index;
  call.reply().Ok();
}

void Auth(CommandCall& call) {
  const CommandArgs& args = call.args();
  ReplyBuilder& reply = call.reply();
  if (args.size() > 3) {
    reply.Error(kErrSyntax);
    return;
  }
  std::string_view user = "default";
  std::string_view password;
  if (args.size() == 2) {
    // The old one-argument form errs when there is nothing to check against, unlike
    // "AUTH default <anything>", which a nopass default user accepts.
    if (!AuthConfig::PasswordRequired()) {
      reply.Error(
          "ERR AUTH <password> called without any password configured for the default user. "
          "Are you sure your configuration is correct?");
      return;
    }
    password = args[1];
  } else {
    user = args[1];
    password = args[2];
  }
  // A failed AUTH leaves an already authenticated connection authenticated, as in Redis.
  if (!CredentialsOk(user, password)) {
    reply.Error(kErrWrongPass);
    return;
  }
  call.client().SetAuthenticated(true);
  reply.Ok();
}

void Hello(CommandCall& call) {
  const CommandArgs& args = call.args();
  ReplyBuilder& reply = call.reply();
  int64_t version = 0;
  size_t next = 1;
  if (args.size() >= 2) {
    if (!Int64OrReply(args[next++], reply, &version,
                      "ERR Protocol version is not an integer or out of range")) {
      return;
    }
    if (version < 2 || version > 3) {
      reply.Error("NOPROTO unsupported protocol version");
      return;
    }
  }
  net::ClientSession& s = call.session();
  // Redis 7.0 applies AUTH and SETNAME while parsing, left to right: an option that fails
  // leaves the earlier ones in effect (7.2 parses everything first).
  for (size_t j = next; j < args.size(); ++j) {
    size_t more = args.size() - 1 - j;
    if (EqualsIgnoreCase(args[j], "auth") && more >= 2) {
      if (!CredentialsOk(args[j + 1], args[j + 2])) {
        reply.Error(kErrWrongPass);
        return;
      }
      call.client().SetAuthenticated(true);
      j += 2;
    } else if (EqualsIgnoreCase(args[j], "setname") && more >= 1) {
      if (!ValidClientName(args[j + 1])) {
        reply.Error(kErrBadClientName);
        return;
      }
      s.name.assign(args[j + 1]);
      ++j;
    } else {
      reply.Error("ERR Syntax error in HELLO option '" + std::string(args[j]) + "'");
      return;
    }
  }
  if (!s.authenticated) {
    reply.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and select the "
        "RESP protocol version at the same time");
    return;
  }
  if (version != 0) s.resp = static_cast<protocol::RespVersion>(version);

  // call.reply() encodes for the protocol the command arrived with; HELLO answers in the new one.
  ReplyBuilder out(reply.out(), s.resp);
  out.Map(7);
  out.Bulk("server");
  out.Bulk("redis");
  out.Bulk("version");
  out.Bulk("7.0.15");
  out.Bulk("proto");
  out.Integer(static_cast<int>(s.resp));
  out.Bulk("id");
  out.Integer(static_cast<int64_t>(s.id));
  out.Bulk("mode");
  out.Bulk("standalone");
  out.Bulk("role");
  out.Bulk("master");
  out.Bulk("modules");
  out.Array(0);
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS.
void RegisterConnectionCommands(engine::CommandRegistry& registry) {
  constexpr std::string_view kSessionFlags = "noscript loading stale fast no_auth allow_busy";
  constexpr std::string_view kConnAcl = "@fast @connection";
  registry.Add(SpecBuilder("ping", -1)
                   .Flags("fast")
                   .Acl(kConnAcl)
                   .Tips("request_policy:all_shards response_policy:all_succeeded")
                   .Docs("connection", "1.0.0", "Ping the server", "O(1)")
                   .Shard(Ping)
                   .Build());
  registry.Add(SpecBuilder("echo", 2)
                   .Flags("loading stale fast")
                   .Acl(kConnAcl)
                   .Docs("connection", "1.0.0", "Echo the given string", "O(1)")
                   .Shard(Echo)
                   .Build());
  registry.Add(SpecBuilder("quit", -1)
                   .Flags(kSessionFlags)
                   .Acl(kConnAcl)
                   .Docs("connection", "1.0.0", "Close the connection", "O(1)")
                   .Coordinator(Quit)
                   .Build());
  registry.Add(SpecBuilder("reset", 1)
                   .Flags(kSessionFlags)
                   .Acl(kConnAcl)
                   .Docs("connection", "6.2.0", "Reset the connection", "O(1)")
                   .Coordinator(Reset)
                   .Build());
  registry.Add(SpecBuilder("select", 2)
                   .Flags("loading stale fast")
                   .Acl(kConnAcl)
                   .Docs("connection", "1.0.0",
                         "Change the selected database for the current connection", "O(1)")
                   .Coordinator(Select)
                   .Build());
  registry.Add(SpecBuilder("auth", -2)
                   .Flags(kSessionFlags)
                   .Acl(kConnAcl)
                   .Docs("connection", "1.0.0", "Authenticate to the server",
                         "O(N) where N is the number of passwords defined for the user")
                   .Coordinator(Auth)
                   .Build());
  registry.Add(SpecBuilder("hello", -1)
                   .Flags(kSessionFlags)
                   .Acl(kConnAcl)
                   .Docs("connection", "6.0.0", "Handshake with Redis", "O(1)")
                   .Coordinator(Hello)
                   .Build());

  RegisterClientCommand(registry);
}

}  // namespace tessera::commands
