// Porcupine's side of bench/checker_vs_porcupine.py: check ftkit JSON-lines histories with
// Porcupine itself and print one JSON line per file (verdict, best time over repeats).
// The models are Porcupine's own test models (porcupine_test.go: etcdModel, kvModel) plus a
// plain register, so both checkers judge the same histories against the same specifications.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/anishathalye/porcupine"
)

type line struct {
	Thread  *int          `json:"thread"`
	Op      string        `json:"op"`
	Args    []interface{} `json:"args"`
	Result  interface{}   `json:"result"`
	Call    int64         `json:"call"`
	Ret     *int64        `json:"ret"`
	Key     interface{}   `json:"key"`
	Unknown bool          `json:"unknown"`
}

type etcdInput struct {
	op         uint8 // 0 read, 1 write, 2 cas
	arg1, arg2 int
}
type etcdOutput struct {
	ok, exists, unknown bool
	value               int
}

var etcdModel = porcupine.Model{
	Init: func() interface{} { return -1000000 },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		st := state.(int)
		inp := input.(etcdInput)
		out := output.(etcdOutput)
		if inp.op == 0 {
			return (!out.exists && st == -1000000) || (out.exists && st == out.value) || out.unknown, state
		} else if inp.op == 1 {
			return true, inp.arg1
		}
		ok := (inp.arg1 == st && out.ok) || (inp.arg1 != st && !out.ok) || out.unknown
		result := st
		if inp.arg1 == st {
			result = inp.arg2
		}
		return ok, result
	},
}

type kvInput struct {
	op         uint8 // 0 get, 1 put, 2 append
	key, value string
}
type kvOutput struct {
	value   string
	unknown bool
}

var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		m := make(map[string][]porcupine.Operation)
		for _, v := range history {
			key := v.Input.(kvInput).key
			m[key] = append(m[key], v)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		ret := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			ret = append(ret, m[k])
		}
		return ret
	},
	Init: func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		inp := input.(kvInput)
		out := output.(kvOutput)
		st := state.(string)
		if inp.op == 0 {
			return out.value == st || out.unknown, state
		} else if inp.op == 1 {
			return true, inp.value
		}
		return true, st + inp.value
	},
	Hash: func(state interface{}) uint64 {
		h := fnv.New64a()
		h.Write([]byte(state.(string)))
		return h.Sum64()
	},
}

type regInput struct {
	write bool
	value int
}
type regOutput struct {
	value   int
	unknown bool
}

var registerModel = porcupine.Model{
	Init: func() interface{} { return 0 },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		inp := input.(regInput)
		if inp.write {
			return true, inp.value
		}
		out := output.(regOutput)
		return out.unknown || out.value == state.(int), state
	},
}

func num(v interface{}) int {
	f, _ := v.(float64)
	return int(f)
}

func str(v interface{}) string {
	s, _ := v.(string)
	return s
}

func load(path, model string) ([]porcupine.Operation, porcupine.Model) {
	f, err := os.Open(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	var ops []porcupine.Operation
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.Thread == nil {
			continue // the header line
		}
		ret := int64(math.MaxInt64) // never returned: an unknown outcome, open to the end
		if l.Ret != nil {
			ret = *l.Ret
		} else {
			l.Unknown = true
		}
		op := porcupine.Operation{ClientId: *l.Thread, Call: l.Call, Return: ret}
		switch model {
		case "cas-register":
			in := etcdInput{}
			out := etcdOutput{unknown: l.Unknown}
			switch l.Op {
			case "write":
				in = etcdInput{op: 1, arg1: num(l.Args[0])}
			case "cas":
				in = etcdInput{op: 2, arg1: num(l.Args[0]), arg2: num(l.Args[1])}
				out.ok = num(l.Result) == 1
			default:
				out.exists = l.Result != nil
				out.value = num(l.Result)
			}
			op.Input, op.Output = in, out
		case "kv":
			in := kvInput{key: fmt.Sprint(l.Key)}
			switch l.Op {
			case "put":
				in.op, in.value = 1, str(l.Args[0])
			case "append":
				in.op, in.value = 2, str(l.Args[0])
			}
			op.Input, op.Output = in, kvOutput{value: str(l.Result), unknown: l.Unknown}
		case "register":
			if l.Op == "write" {
				op.Input = regInput{write: true, value: num(l.Args[0])}
				op.Output = regOutput{}
			} else {
				op.Input = regInput{}
				op.Output = regOutput{value: num(l.Result), unknown: l.Unknown}
			}
		default:
			panic("unknown model " + model)
		}
		ops = append(ops, op)
	}
	switch model {
	case "cas-register":
		return ops, etcdModel
	case "kv":
		return ops, kvModel
	}
	return ops, registerModel
}

// usage: driver MODEL MIN_SECONDS TIMEOUT_SECONDS FILE...
func main() {
	model := os.Args[1]
	minSeconds, _ := strconv.ParseFloat(os.Args[2], 64)
	timeout, _ := strconv.ParseFloat(os.Args[3], 64)
	for _, path := range os.Args[4:] {
		ops, m := load(path, model)
		best := math.Inf(1)
		verdict := ""
		start := time.Now()
		for runs := 0; runs == 0 || time.Since(start).Seconds() < minSeconds; runs++ {
			t0 := time.Now()
			res := porcupine.CheckOperationsTimeout(m, ops, time.Duration(timeout*float64(time.Second)))
			best = math.Min(best, time.Since(t0).Seconds())
			verdict = map[porcupine.CheckResult]string{porcupine.Ok: "ok", porcupine.Illegal: "illegal", porcupine.Unknown: "unknown"}[res]
			if verdict == "unknown" {
				break
			}
		}
		out, _ := json.Marshal(map[string]interface{}{"file": path, "verdict": verdict, "seconds": best})
		fmt.Println(string(out))
	}
}
