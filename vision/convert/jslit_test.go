package convert

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseJSLiteral(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"bare keys", `{a:1,b_2:"x",$c:null}`, `{"$c":null,"a":1,"b_2":"x"}`},
		{"minified booleans", `[!0,!1,true,false]`, `[true,false,true,false]`},
		{"numbers", `[.0066,-.5,1e-3,-2.5E+2,0]`, `[0.0066,-0.5,0.001,-250,0]`},
		{"quoted keys", `{"a b":1,'c':2,3:4}`, `{"3":4,"a b":1,"c":2}`},
		{"escapes", `["a\"b",'it\'s',"\u00e9\n"]`, `["a\"b","it's","é\n"]`},
		{"nesting and spaces", ` { x : [ [ 1 , 2 ] , { } ] , } `, `{"x":[[1,2],{}]}`},
		{"undefined", `[void 0]`, `[null]`},
	}
	for _, c := range cases {
		v, _, err := parseJSLiteral(c.src, 0)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got, _ := json.Marshal(v)
		if string(got) != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestParseJSLiteralErrors(t *testing.T) {
	for _, src := range []string{`{a:1`, `[1,2`, `{a 1}`, `"abc`, `[1 2]`, `{a:foo}`, `!2`, `[1..2]`, `[NaN]`, strings.Repeat("[", 300)} {
		if _, _, err := parseJSLiteral(src, 0); err == nil || !strings.HasPrefix(err.Error(), "convert: javascript literal at offset") {
			t.Errorf("%q: error %v, want a javascript literal error", src, err)
		}
	}
}

func FuzzParseJSLiteral(f *testing.F) {
	for _, s := range []string{`{a:1,b:[!0,.5,"x"]}`, `{modelTopology:{keras_version:"2.2.4"}}`, `[void 0,null,'q']`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		v, end, err := parseJSLiteral(src, 0)
		if err != nil {
			return
		}
		if end > len(src) {
			t.Fatalf("end %d past input of %d bytes", end, len(src))
		}
		// What parses must survive a JSON round trip unchanged.
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal %v: %v", v, err)
		}
		v2, _, err := parseJSLiteral(string(j), 0)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", j, err)
		}
		var want any
		if err := json.Unmarshal(j, &want); err != nil {
			t.Fatalf("unmarshal %s: %v", j, err)
		}
		if !reflect.DeepEqual(want, v2) {
			t.Fatalf("round trip of %s: %v != %v", j, v2, want)
		}
	})
}
