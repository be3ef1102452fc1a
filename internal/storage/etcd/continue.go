package etcd

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// continueVersion tags tokens in the same format Kubernetes uses, so a
// token is recognisable to anyone who has debugged one.
const continueVersion = "meta.k8s.io/v1"

// continueToken is the JSON inside a continue parameter: the revision the
// list is pinned to and the first key (relative to the list prefix) of
// the next page. RV <= 0 means "the latest revision": such tokens are
// handed out after the original revision was compacted.
type continueToken struct {
	APIVersion string `json:"v"`
	RV         int64  `json:"rv"`
	Start      string `json:"start"`
}

func encodeContinue(rv int64, prefix, nextKey string) (string, error) {
	data, err := json.Marshal(continueToken{APIVersion: continueVersion, RV: rv, Start: strings.TrimPrefix(nextKey, prefix)})
	if err != nil {
		return "", fmt.Errorf("encode continue token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(data), nil
}

func decodeContinue(token, prefix string) (rv int64, startKey string, err error) {
	data, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, "", apierrors.NewBadRequest(fmt.Sprintf("continue key is not valid: %v", err))
	}
	var t continueToken
	if err := json.Unmarshal(data, &t); err != nil {
		return 0, "", apierrors.NewBadRequest(fmt.Sprintf("continue key is not valid: %v", err))
	}
	if t.APIVersion != continueVersion {
		return 0, "", apierrors.NewBadRequest(fmt.Sprintf("continue key is not valid: version %q is not supported", t.APIVersion))
	}
	if t.Start == "" || strings.HasPrefix(t.Start, "/") {
		return 0, "", apierrors.NewBadRequest("continue key is not valid: no start key")
	}
	return t.RV, prefix + t.Start, nil
}

const expiredContinueMessage = "The provided continue parameter is too old to display a consistent list result. " +
	"You can start a new list without the continue parameter, or use the continue value from this response " +
	"to retrieve the remainder of the results. Continuing with the provided value will result in an " +
	"inconsistent list - objects that were created, modified, or deleted between the time the first chunk " +
	"was returned and now may show up in the list."

// expiredContinue is the 410 answer to a continue token whose revision was
// compacted. Like Kubernetes it carries, in the Status' list metadata, a
// token that continues from the same key at the latest revision.
func expiredContinue(prefix, startKey string) error {
	err := apierrors.NewResourceExpired(expiredContinueMessage)
	if next, tokErr := encodeContinue(-1, prefix, startKey); tokErr == nil {
		err.ErrStatus.ListMeta.Continue = next
	}
	return err
}
