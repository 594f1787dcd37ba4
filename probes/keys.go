package probes

// The attribute keys the probes use, one constant each, in name order
// (their values are not stable from one build to the next: nothing keeps
// them outside the process). A new key is a constant here and its name in
// keyNames.
const (
	keyNone Key = iota // "", the zero Attr's
	KeyAction
	KeyAddr
	KeyAddrs
	KeyAge
	KeyALPN
	KeyAudit
	KeyBudget
	KeyBytes
	KeyCipher
	KeyCoalesced
	KeyCode
	KeyConnWindow
	KeyConnWindowUnknown
	KeyCount
	KeyDebug
	KeyDir
	KeyDur
	KeyEnd
	KeyEOF
	KeyErr
	KeyFields
	KeyFlags
	KeyFrom
	KeyHeaders
	KeyHost
	KeyIdleTime
	KeyIncr
	KeyKey
	KeyLastStream
	KeyLen
	KeyLength
	KeyLimit
	KeyLimitName
	KeyLine
	KeyLocal
	KeyMethod
	KeyNetwork
	KeyNum
	KeyPause
	KeyPhase
	KeyPID
	KeyPrev
	KeyPrevDur
	KeyProbe
	KeyProto
	KeyRate
	KeyRead
	KeyReason
	KeyRemote
	KeyReqs
	KeyRequest
	KeyRequests
	KeyResolver
	KeyResumed
	KeyReused
	KeyRTT
	KeySelfDependency
	KeySide
	KeySinceStart
	KeySink
	KeySize
	KeySNI
	KeyStalled
	KeyState
	KeyStatus
	KeyTarget
	KeyThreshold
	KeyTo
	KeyTotal
	KeyTransport
	KeyTtfb
	KeyTTL
	KeyType
	KeyUid
	KeyURL
	KeyVersion
	KeyVia
	KeyWait
	KeyWasIdle
	KeyWindow

	numStaticKeys // number of the constants above; not a key
)

var keyNames = [numStaticKeys]string{
	KeyAction:            "action",
	KeyAddr:              "addr",
	KeyAddrs:             "addrs",
	KeyAge:               "age",
	KeyALPN:              "alpn",
	KeyAudit:             "audit",
	KeyBudget:            "budget",
	KeyBytes:             "bytes",
	KeyCipher:            "cipher",
	KeyCoalesced:         "coalesced",
	KeyCode:              "code",
	KeyConnWindow:        "conn_window",
	KeyConnWindowUnknown: "conn_window_unknown",
	KeyCount:             "count",
	KeyDebug:             "debug",
	KeyDir:               "dir",
	KeyDur:               "dur",
	KeyEnd:               "end",
	KeyEOF:               "eof",
	KeyErr:               "err",
	KeyFields:            "fields",
	KeyFlags:             "flags",
	KeyFrom:              "from",
	KeyHeaders:           "headers",
	KeyHost:              "host",
	KeyIdleTime:          "idle_time",
	KeyIncr:              "incr",
	KeyKey:               "key",
	KeyLastStream:        "last_stream",
	KeyLen:               "len",
	KeyLength:            "length",
	KeyLimit:             "limit",
	KeyLimitName:         "limit_name",
	KeyLine:              "line",
	KeyLocal:             "local",
	KeyMethod:            "method",
	KeyNetwork:           "network",
	KeyNum:               "num",
	KeyPause:             "pause",
	KeyPhase:             "phase",
	KeyPID:               "pid",
	KeyPrev:              "prev",
	KeyPrevDur:           "prev_dur",
	KeyProbe:             "probe",
	KeyProto:             "proto",
	KeyRate:              "rate",
	KeyRead:              "read",
	KeyReason:            "reason",
	KeyRemote:            "remote",
	KeyReqs:              "reqs",
	KeyRequest:           "request",
	KeyRequests:          "requests",
	KeyResolver:          "resolver",
	KeyResumed:           "resumed",
	KeyReused:            "reused",
	KeyRTT:               "rtt",
	KeySelfDependency:    "self_dependency",
	KeySide:              "side",
	KeySinceStart:        "since_start",
	KeySink:              "sink",
	KeySize:              "size",
	KeySNI:               "sni",
	KeyStalled:           "stalled",
	KeyState:             "state",
	KeyStatus:            "status",
	KeyTarget:            "target",
	KeyThreshold:         "threshold",
	KeyTo:                "to",
	KeyTotal:             "total",
	KeyTransport:         "transport",
	KeyTtfb:              "ttfb",
	KeyTTL:               "ttl",
	KeyType:              "type",
	KeyUid:               "uid",
	KeyURL:               "url",
	KeyVersion:           "version",
	KeyVia:               "via",
	KeyWait:              "wait",
	KeyWasIdle:           "was_idle",
	KeyWindow:            "window",
}
