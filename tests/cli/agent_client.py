"""agent_client.py SOCKET STOREDIR -- ask an unlock agent for a store's key
the way dealbook does, and print how many bytes came back (33 = the key,
1 = refused with "E", 0 = the connection was closed without an answer).
With STOREDIR "-" it asks for an all-zero store id."""
import socket
import sys

sock, store = sys.argv[1], sys.argv[2]
if store == "-":
    sid = "00" * 16
else:
    d = open(store + "/data.mdb", "rb").read()
    i = d.find(b"DBKS\x01\x00\x00\x00")
    sid = d[i + 8:i + 24].hex()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sock)
except OSError as e:
    print("connect-failed", e.errno)
    sys.exit(0)
try:
    s.sendall(("dbk-agent-1 KEY %s\n" % sid).encode())
except OSError:
    # The agent may hang up before reading: that is a refusal too.
    print(0)
    sys.exit(0)
s.settimeout(5)
got = b""
try:
    while True:
        b = s.recv(64)
        if not b:
            break
        got += b
except OSError:
    pass
print(len(got))
