#!/usr/bin/python3
"""Sends ApiVersions v0 to a Kafka broker and checks that it answers.

usage: kp-ping.py [--wait SECONDS] HOST PORT
Exit status 0 when the broker answered with error code 0 (retrying until
--wait seconds have passed), 1 otherwise.
"""
import socket
import struct
import sys
import time


def ping(host, port):
    with socket.create_connection((host, port), timeout=2) as s:
        body = struct.pack(">hhih", 18, 0, 1, -1)   # ApiVersions v0, corr 1, null client id
        s.sendall(struct.pack(">i", len(body)) + body)
        hdr = s.recv(4, socket.MSG_WAITALL)
        size = struct.unpack(">i", hdr)[0]
        data = b""
        while len(data) < size:
            chunk = s.recv(size - len(data))
            if not chunk:
                return False
            data += chunk
        corr, err = struct.unpack(">ih", data[:6])
        return corr == 1 and err == 0


def main():
    args = sys.argv[1:]
    wait = 0.0
    if args and args[0] == "--wait":
        wait = float(args[1])
        args = args[2:]
    host, port = args[0], int(args[1])
    deadline = time.time() + wait
    while True:
        try:
            if ping(host, port):
                return 0
        except (OSError, struct.error):
            pass
        if time.time() >= deadline:
            return 1
        time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main())
