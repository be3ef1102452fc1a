package openapi

import (
	"fmt"
	"sync"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
)

// v2ProtoType is the media type of the protobuf v2 document, the only form
// client-go's OpenAPISchema asks for (kubectl explain
// --output=plaintext-openapiv2, kubectl's v2 fallbacks).
const v2ProtoType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

// v2ProtoDeprecated is the spelling client-go still sends; "@" is not valid
// in a media type, so replies always name v2ProtoType.
const v2ProtoDeprecated = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"

// v2Proto converts the JSON v2 document to protobuf on first use: it takes
// about as long as Build itself and most clients only use v3.
type v2Proto struct {
	once sync.Once
	body []byte
	etag string
	err  error
}

func (p *v2Proto) get(jsonDoc []byte) ([]byte, string, error) {
	p.once.Do(func() {
		doc, err := openapi_v2.ParseDocument(jsonDoc)
		if err != nil {
			p.err = fmt.Errorf("openapi: parse v2 document for protobuf: %w", err)
			return
		}
		if p.body, err = proto.Marshal(doc); err != nil {
			p.err = fmt.Errorf("openapi: marshal v2 protobuf: %w", err)
			return
		}
		p.etag = contentHash(p.body)
	})
	return p.body, p.etag, p.err
}
