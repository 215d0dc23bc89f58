// What the network layer hands parsed commands to. Implemented by the engine; net never sees
// commands, shards or storage.
#pragma once

#include <cstddef>

#include "protocol/command_args.h"

namespace tessera::net {

class Client;

class CommandSink {
 public:
  virtual ~CommandSink() = default;
  // On the client's loop thread, once per complete command, in arrival order. The sink may take
  // `args`' buffers and leave others in their place (recycled ones): the caller must Clear()
  // it before parsing into it again.
  virtual void OnCommand(Client& client, protocol::CommandArgs&& args) = 0;
  // On the client's loop thread, before OnCommand for each of `n` commands parsed from one read:
  // a chance to start loading what they will touch. A hint; may do nothing.
  virtual void Prefetch(Client& client, const protocol::CommandArgs* cmds, size_t n) {}
  // On the client's loop thread, when the client's transport has closed.
  virtual void OnClientClosed(Client& client) {}
};

}  // namespace tessera::net
