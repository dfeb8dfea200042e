package decode

import "strings"

// quoteStyle selects variants of strace's string_quote.
type quoteStyle struct {
	hex      bool   // every byte as \xNN (strace does this for getrandom)
	noQuotes bool   // without the surrounding "" (paths after -y fds)
	escape   string // more characters to escape, as strace does with "<>" after -y
}

// quote renders b as strace's default (no -x) string_quote: C escapes for
// \t \n \v \f \r, backslashed " and \, printable ASCII as it is, everything
// else in octal with as few digits as the next character allows.
func quote(b []byte, st quoteStyle) string {
	var s strings.Builder
	s.Grow(len(b) + 2)
	if !st.noQuotes {
		s.WriteByte('"')
	}
	const hexDigits = "0123456789abcdef"
	for i, c := range b {
		if st.hex {
			s.WriteString(`\x`)
			s.WriteByte(hexDigits[c>>4])
			s.WriteByte(hexDigits[c&0xf])
			continue
		}
		switch c {
		case '"', '\\':
			s.WriteByte('\\')
			s.WriteByte(c)
			continue
		case '\f':
			s.WriteString(`\f`)
			continue
		case '\n':
			s.WriteString(`\n`)
			continue
		case '\r':
			s.WriteString(`\r`)
			continue
		case '\t':
			s.WriteString(`\t`)
			continue
		case '\v':
			s.WriteString(`\v`)
			continue
		}
		if c >= ' ' && c < 0x7f && strings.IndexByte(st.escape, c) < 0 {
			s.WriteByte(c)
			continue
		}
		s.WriteByte('\\')
		// A digit after the escape would be read as part of it: then
		// always three digits.
		if i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7' {
			s.WriteByte('0' + c>>6)
			s.WriteByte('0' + (c>>3)&7)
		} else if c>>3 != 0 {
			if c>>6 != 0 {
				s.WriteByte('0' + c>>6)
			}
			s.WriteByte('0' + (c>>3)&7)
		}
		s.WriteByte('0' + c&7)
	}
	if !st.noQuotes {
		s.WriteByte('"')
	}
	return s.String()
}

// QuoteString is b quoted as strace's default string_quote does: "…" with
// C escapes and octal for unprintable bytes.
func QuoteString(b []byte) string { return quote(b, quoteStyle{}) }

// quoteTrunc quotes the first limit bytes of b and marks a cut with "...",
// as strace does for strings longer than -s.
func quoteTrunc(b []byte, limit int, st quoteStyle) string {
	if len(b) > limit {
		return quote(b[:limit], st) + "..."
	}
	return quote(b, st)
}
