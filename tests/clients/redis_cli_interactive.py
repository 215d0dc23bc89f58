#!/usr/bin/python3
"""Drives redis-cli in interactive mode under a pseudo-terminal, as a person would.

redis-cli sends COMMAND DOCS at start-up to build its hints; a server that answers it wrongly
breaks hints or the prompt. This types a partial command (checking the hint appears), then real
commands, and checks what the terminal shows.

Usage: /usr/bin/python3 redis_cli_interactive.py PORT
"""
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time

TIMEOUT = 15.0


class Terminal:
    def __init__(self, argv):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["TERM"] = "xterm"
            os.execvp(argv[0], argv)
        # A real terminal size, so linenoise does not have to probe for one.
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
        self.screen = b""

    def expect(self, needle: bytes) -> None:
        """Reads until `needle` has appeared in the output since the last expect."""
        deadline = time.monotonic() + TIMEOUT
        while needle not in self.screen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"did not see {needle!r}; screen so far: {self.screen!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"redis-cli exited before {needle!r}: {self.screen!r}")
                # linenoise asks the terminal where the cursor is; answer as a terminal would.
                if b"\x1b[6n" in chunk:
                    os.write(self.fd, b"\x1b[1;1R")
                self.screen += chunk
        self.screen = self.screen[self.screen.index(needle) + len(needle):]

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait_exit(self) -> int:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            select.select([self.fd], [], [], 0.05)  # poll interval while it exits
            try:
                os.read(self.fd, 4096)
            except OSError:
                pass
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        raise AssertionError("redis-cli did not exit")


def main(port: int) -> None:
    term = Terminal(["redis-cli", "-p", str(port)])
    # Keys carry the pid so reruns against the same server start from missing keys.
    p = f"cli:{os.getpid()}"
    prompt = f"127.0.0.1:{port}> ".encode()
    term.expect(prompt)
    # Typing a command name and a space makes redis-cli show its argument hint in grey.
    term.type("SET ")
    term.expect(b"key value")
    term.type(f"{p}:interactive hello\r")
    term.expect(b"OK")
    term.expect(prompt)
    term.type(f"GET {p}:interactive\r")
    term.expect(b'"hello"')
    term.expect(prompt)
    term.type(f"INCR {p}:n\r")
    term.expect(b"(integer) 1")
    term.expect(prompt)
    term.type(f"GET {p}:missing\r")
    term.expect(b"(nil)")
    term.expect(prompt)
    term.type("NOSUCHCMD\r")
    term.expect(b"(error) ERR unknown command 'NOSUCHCMD'")
    term.expect(prompt)
    term.type("SELECT 2\r")
    term.expect(f"127.0.0.1:{port}[2]> ".encode())
    term.type("exit\r")
    code = term.wait_exit()
    assert code == 0, f"redis-cli exited with {code}"


if __name__ == "__main__":
    try:
        main(int(sys.argv[1]))
    except Exception as err:  # reported the same way as every other failure to run.sh
        print(f"FAIL redis-cli interactive: {err}")
        sys.exit(1)
    print("PASS redis-cli interactive")
