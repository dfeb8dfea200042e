package decode

import "strings"

// quoteStyle selects variants of strace's string_quote.
type quoteStyle struct {
	hex      bool    // every byte as \xNN whatever -x says (strace does this for getrandom)
	x        HexMode // -x: the user's choice
	noQuotes bool    // without the surrounding "" (paths after -y fds)
	escape   string  // more characters to escape, as strace does with "<>" after -y
}

// qs is the quoting the options ask for.
func (s *state) qs() quoteStyle { return quoteStyle{x: s.o.Hex} }

// allHex reports whether b prints entirely as \xNN: always with hex or
// -xx; with -x when any byte is neither printable ASCII nor one of
// \t \n \v \f \r.
func (st quoteStyle) allHex(b []byte) bool {
	switch {
	case st.hex || st.x == HexAll:
		return true
	case st.x != HexNonASCII:
		return false
	}
	for _, c := range b {
		if c > 0x7e || (c < ' ' && (c < '\t' || c > '\r')) {
			return true
		}
	}
	return false
}

// quote renders b as strace's string_quote: by default C escapes for
// \t \n \v \f \r, backslashed " and \, printable ASCII as it is, everything
// else in octal with as few digits as the next character allows; -x and
// -xx switch to \xNN (see allHex).
func quote(b []byte, st quoteStyle) string {
	var s strings.Builder
	s.Grow(len(b) + 2)
	if !st.noQuotes {
		s.WriteByte('"')
	}
	const hexDigits = "0123456789abcdef"
	allHex := st.allHex(b)
	for i, c := range b {
		if allHex {
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
		if st.x == HexNonASCIIChars {
			s.WriteString(`\x`)
			s.WriteByte(hexDigits[c>>4])
			s.WriteByte(hexDigits[c&0xf])
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
