package decode

// decoder decodes one argument kind: entry runs in Decode, exit (for out
// arguments) in Exit.
type decoder struct {
	entry func(s *state, i int, p param)
	exit  func(s *state, i int, p param)
}

var decoders = map[kind]decoder{
	kindInt:            {entry: decInt},
	kindUint:           {entry: decUint},
	kindLong:           {entry: decLong},
	kindUlong:          {entry: decUlong},
	kindSize:           {entry: decUlong},
	kindOff:            {entry: decLong},
	kindHex:            {entry: decHex},
	kindPtr:            {entry: decPtr},
	kindOctal:          {entry: decOctal},
	kindMode:           {entry: decMode},
	kindFilemode:       {entry: decFilemode},
	kindFd:             {entry: decFd},
	kindDirfd:          {entry: decDirfd},
	kindPid:            {entry: decPid},
	kindUid:            {entry: decUid},
	kindSignal:         {entry: decSignal},
	kindPath:           {entry: decPath},
	kindStr:            {entry: decStr},
	kindInbuf:          {entry: decInbuf},
	kindOutbuf:         {exit: exitOutbuf},
	kindHexbuf:         {exit: exitHexbuf},
	kindOutpath:        {exit: exitOutpath},
	kindStrarray:       {entry: decStrarray},
	kindEnvp:           {entry: decEnvp},
	kindIovecIn:        {entry: decIovecIn},
	kindIovecOut:       {exit: exitIovecOut},
	kindPollfds:        {entry: decPollfds},
	kindEpollEvent:     {entry: decEpollEvent},
	kindEpollEventsOut: {exit: exitEpollEvents},
	kindMsghdrIn:       {entry: decMsghdrIn},
	kindMsghdrOut:      {exit: exitMsghdrOut},
	kindSockaddr:       {entry: decSockaddr},
	kindSockaddrOut:    {exit: exitSockaddrOut},
	kindSocklenInout:   {entry: decSocklenInout, exit: exitSocklenInout},
	kindSockType:       {entry: decSockType},
	kindSockProto:      {entry: decSockProto},
	kindSockoptName:    {entry: decSockoptName},
	kindSockoptVal:     {entry: decSockoptVal},
	kindSockoptOut:     {exit: exitSockoptOut},
	kindOpenFlags:      {entry: decOpenFlags},
	kindCreatemode:     {entry: decCreatemode},
	kindMmapFlags:      {entry: decMmapFlags},
	kindCloneFlags:     {entry: decCloneFlags},
	kindStatxFlags:     {entry: decStatxFlags},
	kindIoctlReq:       {entry: decIoctlReq},
	kindIoctlArg:       {entry: decIoctlArg},
	kindFcntlArg:       {entry: decFcntlArg},
	kindFutexOp:        {entry: decFutexOp},
	kindDev:            {entry: decDev},
	kindIntptrIn:       {entry: decIntptrIn},
	kindIntptrOut:      {exit: exitIntptrOut},
	kindFdpairOut:      {exit: exitFdpair},
	kindWstatusOut:     {exit: exitWstatus},
	kindStatOut:        {exit: exitStat},
	kindStatxOut:       {exit: exitStatx},
	kindTimespecIn:     {entry: decTimespecIn},
	kindTimespecOut:    {exit: exitTimespecOut},
	kindUtsnameOut:     {exit: exitUtsname},
	kindRemainOut:      {exit: exitRemain},
	kindSysinfoOut:     {exit: exitSysinfo},
	kindUidsIn:         {entry: decUidsIn},
	kindUidsOut:        {exit: exitUidsOut},
	kindDirentsOut:     {exit: exitDirents},
	kindRlimitIn:       {entry: decRlimitIn},
	kindRlimitOut:      {exit: exitRlimitOut},
	kindSigsetIn:       {entry: decSigsetIn},
	kindSigsetOut:      {exit: exitSigsetOut},
	kindSigactionIn:    {entry: decSigactionIn},
	kindSigactionOut:   {exit: exitSigactionOut},
	kindFlags:          {entry: decFlags},
	kindEnum:           {entry: decEnum},
}

func decodeEntry(s *state, i int, p param) {
	d := decoders[p.kind]
	switch {
	case d.entry != nil:
		d.entry(s, i, p)
	case d.exit != nil:
		pendingPtr(s, i, p)
	default:
		decHex(s, i, p)
	}
	if d.exit != nil {
		s.arg(i).pending = true
	}
}

func decodeExit(s *state, i int, p param) {
	if d := decoders[p.kind]; d.exit != nil {
		d.exit(s, i, p)
	}
}
