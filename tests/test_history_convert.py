"""Jepsen's EDN history maps and jepsen.util console lines -> ftkit ops, and format sniffing."""

from __future__ import annotations

import pytest

from ftkit.history import HistoryError, read_jepsen_edn, read_jepsen_log, read_jsonl, write_jsonl
from ftkit.history.convert import sniff

EDN = """{:process 0, :type :invoke, :f :put, :key "a", :value "x 0 0 y"}
{:process 1, :type :invoke, :f :get, :key "a", :value nil}
{:process 0, :type :ok, :f :put, :key "a", :value "x 0 0 y"}
{:process 1, :type :ok, :f :get, :key "a", :value "x 0 0 y"}
{:process :nemesis, :type :info, :f :start, :value nil}
{:process 2, :type :invoke, :f :append, :key "b", :value "q \\"r\\""}
"""

LOG = """INFO  jepsen.core - Running test
INFO  jepsen.util - 0\t:invoke\t:read\tnil
INFO  jepsen.util - 1\t:invoke\t:cas\t[1 4]
INFO  jepsen.util - 0\t:ok\t:read\tnil
INFO  jepsen.util - 1\t:fail\t:cas\t[1 4]
INFO  jepsen.util - 2\t:invoke\t:write\t3
INFO  jepsen.util - 3\t:invoke\t:read\tnil
INFO  jepsen.util - 2\t:info\t:write\t3
INFO  jepsen.util - 3\t:fail\t:read\t:timed-out
INFO  jepsen.util - 4\t:invoke\t:cas\t[3 1]
INFO  jepsen.util - 4\t:ok\t:cas\t[3 1]
"""


def test_edn_pairs_invocations_with_completions():
    ops = read_jepsen_edn(EDN).ops
    put, get, append = ops
    assert (put.name, put.args, put.key, put.call, put.ret, put.unknown) == ("put", ("x 0 0 y",), "a", 1, 3, False)
    assert (get.name, get.args, get.result, get.ret) == ("get", (), "x 0 0 y", 4)
    assert (append.args, append.ret, append.unknown) == (('q "r"',), None, True)  # open at the end


def test_edn_streams_vectors_comments_tags_and_unicode():
    """Jepsen's history.edn: one vector of maps over many lines, tagged records, comments."""
    text = """; a history
[{:process 0, :type :invoke, :f :write, :value 1, :time 10}
 #jepsen.history.Op{:process 0, :type :ok, :f :write, :value 1}
 {:process 1,
  :type :invoke, :f :read, :value nil}
 {:process 1 :type :ok :f :read :value 1}]
{:process 2, :type :invoke, :f :put, :key "clé", :value "là \\"q\\" \\\\ \\n"}
"""
    write, read, put = read_jepsen_edn(text).ops
    assert (write.args, write.call, write.ret, write.result) == ((1,), 1, 2, 1)
    assert (read.result, read.call, read.ret) == (1, 3, 4)
    assert put.key == "clé" and put.args == ('là "q" \\ \n',)


def test_jepsen_log_conventions_follow_porcupines_parser():
    read, cas, write, timed_out, cas_ok = read_jepsen_log(LOG).ops
    assert (read.result, read.call, read.ret) == (None, 2, 4)
    assert (cas.args, cas.result, cas.unknown) == ((1, 4), 0, False)    # :fail cas: compare failed
    assert (write.ret, write.unknown) == (None, True)                    # :info: may happen later
    assert (timed_out.ret, timed_out.unknown) == (9, True)               # :fail :read :timed-out
    assert (cas_ok.result, cas_ok.unknown) == (1, False)


def test_formats_are_sniffed():
    assert sniff(EDN) == "jepsen-edn"
    assert sniff(LOG) == "jepsen-log"
    assert sniff('{"ftkit-history": 1}\n') == "jsonl"
    with pytest.raises(HistoryError, match="cannot tell the format"):
        sniff("hello world\n")


def test_jsonl_round_trip_keeps_everything():
    ops = read_jepsen_log(LOG).ops
    again = read_jsonl(write_jsonl(ops, "cas-register"))
    assert again.model == "cas-register"
    assert [o.to_json() for o in again.ops] == [o.to_json() for o in ops]


@pytest.mark.parametrize("text, message", [
    ('{:process 0, :type :ok, :f :get, :value 1}', "never invoked"),
    ('{:process 0, :type :invoke, :f :get}\n{:process 0, :type :invoke, :f :get}', "invokes again"),
    ('{:process 0, :type :invoke, :f :get, :value 1.5}', "unsupported EDN value"),
    ('{:process 0 :type', "EDN value ends early"),
    ('[1 2]', "expected a map"),
    ('{:process 0 :type}', "a value for every key"),
    ('{:process 0 :type :invoke :f :read :value [1 2}}', "closes"),
    ('[{:process 0, :type :invoke, :f :get}', "ends early"),
])
def test_bad_edn_names_the_line(text, message):
    with pytest.raises(HistoryError, match=message):
        read_jepsen_edn(text)


@pytest.mark.parametrize("text, message", [
    ("not json", "line 1: not JSON"),
    ('{"thread": 0, "op": "read"}', "missing call"),
    ('{"thread": -1, "op": "read", "call": 0}', "thread must be"),
    ('{"thread": 0, "op": "read", "call": 5, "ret": 1}', "returns"),
    ('{"thread": 0, "op": "read", "call": 0, "args": [[1]]}', "args must be"),
    ('{"ftkit-history": 9}', "format version 9"),
])
def test_bad_jsonl_names_the_line(text, message):
    with pytest.raises(HistoryError, match=message):
        read_jsonl(text)
