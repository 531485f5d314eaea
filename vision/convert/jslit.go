package convert

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// parseJSLiteral parses one JavaScript literal as minifiers write them: objects
// with bare or quoted keys, arrays, double- or single-quoted strings, numbers
// such as .0066 or -1e-3, !0 and !1 for true and false, null, true, false and
// "void 0" (undefined, read as nil). It returns the value and the offset just
// past it. Objects become map[string]any, arrays []any, numbers float64.
func parseJSLiteral(src string, off int) (any, int, error) {
	p := jsParser{src: src, pos: off}
	v, err := p.value(0)
	if err != nil {
		return nil, p.pos, err
	}
	return v, p.pos, nil
}

type jsParser struct {
	src string
	pos int
}

// maxJSDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxJSDepth = 200

func (p *jsParser) errorf(format string, args ...any) error {
	return fmt.Errorf("convert: javascript literal at offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *jsParser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *jsParser) value(depth int) (any, error) {
	if depth > maxJSDepth {
		return nil, p.errorf("nested too deeply")
	}
	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, p.errorf("unexpected end")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"' || c == '\'':
		return p.str()
	case c == '!':
		p.pos++
		p.skipSpace()
		if p.pos < len(p.src) && (p.src[p.pos] == '0' || p.src[p.pos] == '1') {
			b := p.src[p.pos] == '0'
			p.pos++
			return b, nil
		}
		return nil, p.errorf("expected !0 or !1")
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		id := p.ident()
		switch id {
		case "null":
			return nil, nil
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "void":
			p.skipSpace()
			if strings.HasPrefix(p.src[p.pos:], "0") {
				p.pos++
				return nil, nil
			}
		case "Infinity", "NaN":
			return nil, p.errorf("%s is not supported", id)
		}
		return nil, p.errorf("unexpected %q", id)
	}
}

func (p *jsParser) ident() string {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			p.pos++
			continue
		}
		break
	}
	if start == p.pos && p.pos < len(p.src) {
		p.pos++ // consume the odd byte so the error quotes it
	}
	return p.src[start:p.pos]
}

func (p *jsParser) number() (any, error) {
	start := p.pos
	for p.pos < len(p.src) && strings.IndexByte("+-.0123456789eE", p.src[p.pos]) >= 0 {
		p.pos++
	}
	text := p.src[start:p.pos]
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		p.pos = start
		return nil, p.errorf("bad number %q", text)
	}
	return f, nil
}

func (p *jsParser) str() (string, error) {
	quote := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == quote:
			p.pos++
			return b.String(), nil
		case c == '\\':
			if p.pos+1 >= len(p.src) {
				return "", p.errorf("unterminated string")
			}
			e := p.src[p.pos+1]
			p.pos += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case 'u':
				if p.pos+4 > len(p.src) {
					return "", p.errorf("short \\u escape")
				}
				r, err := strconv.ParseUint(p.src[p.pos:p.pos+4], 16, 32)
				if err != nil {
					return "", p.errorf("bad \\u escape")
				}
				p.pos += 4
				if utf16.IsSurrogate(rune(r)) && p.pos+6 <= len(p.src) && p.src[p.pos:p.pos+2] == "\\u" {
					if lo, err := strconv.ParseUint(p.src[p.pos+2:p.pos+6], 16, 32); err == nil {
						if c := utf16.DecodeRune(rune(r), rune(lo)); c != utf8.RuneError {
							b.WriteRune(c)
							p.pos += 6
							continue
						}
					}
				}
				b.WriteRune(rune(r))
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *jsParser) object(depth int) (any, error) {
	p.pos++ // {
	m := map[string]any{}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil, p.errorf("unterminated object")
		}
		if p.src[p.pos] == '}' {
			p.pos++
			return m, nil
		}
		var key string
		switch c := p.src[p.pos]; {
		case c == '"' || c == '\'':
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			key = k
		case c >= '0' && c <= '9':
			start := p.pos
			for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
				p.pos++
			}
			key = p.src[start:p.pos]
		default:
			key = p.ident()
			if key == "" {
				return nil, p.errorf("expected a key")
			}
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return nil, p.errorf("expected ':' after key %q", key)
		}
		p.pos++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[key] = v
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			continue
		}
		return nil, p.errorf("expected ',' or '}' in object")
	}
}

func (p *jsParser) array(depth int) (any, error) {
	p.pos++ // [
	a := []any{}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil, p.errorf("unterminated array")
		}
		if p.src[p.pos] == ']' {
			p.pos++
			return a, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			continue
		}
		return nil, p.errorf("expected ',' or ']' in array")
	}
}
