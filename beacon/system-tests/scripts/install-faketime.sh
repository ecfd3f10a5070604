#!/bin/sh
# libfaketime for ClockSkewIT: it runs one beacon node process with LD_PRELOAD=libfaketimeMT.so.1 and FAKETIME="+3m"
# (wall clock only: FAKETIME_DONT_FAKE_MONOTONIC=1, as a node whose NTP is off). Without it ClockSkewIT is skipped.
# Debian/Ubuntu, as root:
set -e
apt-get install -y faketime || { apt-get update && apt-get install -y faketime; }
ls /usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
