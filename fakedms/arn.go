package fakedms

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// ARN resource types, as AWS DMS spells them.
const (
	arnInstance    = "rep"
	arnEndpoint    = "endpoint"
	arnTask        = "task"
	arnSubnetGroup = "subgrp"
)

func (h *Handler) arn(kind, name string) string {
	return "arn:aws:dms:" + h.cfg.region + ":" + h.cfg.account + ":" + kind + ":" + name
}

// newResourceID returns the last segment of a new resource's ARN: 26
// upper-case base32 characters, as AWS generates (16 random bytes), or the
// ResourceIdentifier the caller chose.
func newResourceID(chosen *string) string {
	if chosen != nil && *chosen != "" {
		return *chosen
	}
	var b [16]byte
	rand.Read(b[:])
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// validResourceIdentifier checks a ResourceIdentifier: at most 31 ASCII
// letters, digits and hyphens, a letter first, no trailing or double
// hyphen.
func validResourceIdentifier(id *string) error {
	if id == nil {
		return nil
	}
	return validIdentifier("ResourceIdentifier", *id, 31)
}

// arnKind returns the resource type of a DMS ARN, or "" when s is not one.
func arnKind(s string) string {
	parts := strings.SplitN(s, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "dms" || parts[6] == "" {
		return ""
	}
	return parts[5]
}

// resourceID returns the last segment of an ARN.
func resourceID(arn string) string { return arn[strings.LastIndexByte(arn, ':')+1:] }

// hexDigest derives a stable fake identifier (VPC, security group) of n
// hex digits from seed.
func hexDigest(seed string, n int) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])[:n]
}

// uuidFrom derives a stable UUID-shaped string from seed.
func uuidFrom(seed string) string {
	d := hexDigest(seed, 32)
	return d[0:8] + "-" + d[8:12] + "-" + d[12:16] + "-" + d[16:20] + "-" + d[20:32]
}
