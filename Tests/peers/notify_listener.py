"""Listens on a Unix datagram socket the way systemd does for Type=notify services, and prints each
notification (newlines shown as |). Prints 0 first (no port: the socket is the path argument).

  notify_listener.py SOCKET_PATH
"""
import os
import socket
import sys

path = sys.argv[1]
if os.path.exists(path):
    os.unlink(path)
listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
listener.bind(path)
print(0, flush=True)
while True:
    data = listener.recv(4096)
    print(data.decode().replace("\n", "|"), flush=True)
