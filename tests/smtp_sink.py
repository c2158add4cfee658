#!/usr/bin/python3
"""A tiny SMTP server on loopback for tests: accepts every mail and writes each message to
DIR/NNNN.eml (with X-Envelope-From / X-Envelope-To lines first). Standard library only.

  smtp_sink.py --dir DIR [--port N] [--port-file FILE] [--fail-rcpt SUBSTRING]
--fail-rcpt answers 550 to recipients containing SUBSTRING (to test failures)."""
import base64
import argparse
import os
import socketserver
import threading

counter_lock = threading.Lock()
counter = [0]


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        args = self.server.args
        self.reply("220 zaiko-smtp-sink ready")
        mail_from, rcpts = "", []
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            cmd = line[:4].upper()
            if cmd in ("EHLO", "HELO"):
                self.reply("250-localhost")
                self.reply("250-AUTH PLAIN LOGIN")
                self.reply("250 8BITMIME")
            elif cmd == "AUTH":
                # PLAIN with initial response, or LOGIN: accept anything, and note what was
                # given in auth.log (decoded) for tests that check the credentials sent.
                parts = line.split()
                given = []
                if len(parts) >= 3:
                    given.append(parts[2])
                    self.reply("235 ok")
                elif parts[1].upper() == "PLAIN":
                    self.reply("334 ")
                    given.append(self.rfile.readline().decode("ascii", "replace").strip())
                    self.reply("235 ok")
                else:
                    self.reply("334 VXNlcm5hbWU6")
                    given.append(self.rfile.readline().decode("ascii", "replace").strip())
                    self.reply("334 UGFzc3dvcmQ6")
                    given.append(self.rfile.readline().decode("ascii", "replace").strip())
                    self.reply("235 ok")
                with open(os.path.join(args.dir, "auth.log"), "a") as f:
                    for g in given:
                        try:
                            f.write(base64.b64decode(g).decode("utf-8", "replace") + "\n")
                        except ValueError:
                            f.write(g + "\n")
            elif cmd == "MAIL":
                mail_from, rcpts = line[10:].strip(), []
                self.reply("250 ok")
            elif cmd == "RCPT":
                to = line[8:].strip()
                if args.fail_rcpt and args.fail_rcpt in to:
                    self.reply("550 no such user")
                else:
                    rcpts.append(to)
                    self.reply("250 ok")
            elif cmd == "DATA":
                if not rcpts:
                    self.reply("503 no recipients")
                    continue
                self.reply("354 go ahead")
                data = []
                while True:
                    l = self.rfile.readline(1 << 20)
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    if l.startswith(b".."):
                        l = l[1:]
                    data.append(l)
                with counter_lock:
                    counter[0] += 1
                    n = counter[0]
                path = os.path.join(args.dir, "%04d.eml" % n)
                with open(path + ".tmp", "wb") as f:
                    f.write(("X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (
                        mail_from, ", ".join(rcpts))).encode())
                    f.write(b"".join(data))
                os.rename(path + ".tmp", path)
                self.reply("250 queued as %d" % n)
            elif cmd == "RSET":
                mail_from, rcpts = "", []
                self.reply("250 ok")
            elif cmd == "NOOP":
                self.reply("250 ok")
            elif cmd == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--fail-rcpt")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.args = args
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(args.port_file + ".tmp", args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
