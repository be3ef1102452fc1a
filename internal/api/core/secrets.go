package core

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func secretKind() *api.Kind {
	return api.Def[*corev1.Secret, *corev1.SecretList]{
		Version: coreVersion, Kind: "Secret",
		Resource: "secrets", Singular: "secret", Namespaced: true,
		New:            func() *corev1.Secret { return &corev1.Secret{} },
		NewList:        func() *corev1.SecretList { return &corev1.SecretList{} },
		Default:        defaultSecret,
		Validate:       validateSecret,
		ValidateUpdate: validateSecretUpdate,
		Columns:        secretColumns,
		Row:            secretRow,
		Fields:         func(s *corev1.Secret) fields.Set { return fields.Set{"type": string(s.Type)} },
	}.Build()
}

// defaultSecret sets type Opaque and folds stringData into data: stringData
// is write-only, Kubernetes never stores or returns it.
func defaultSecret(s *corev1.Secret) {
	if s.Type == "" {
		s.Type = corev1.SecretTypeOpaque
	}
	if len(s.StringData) > 0 {
		if s.Data == nil {
			s.Data = map[string][]byte{}
		}
		for k, v := range s.StringData {
			s.Data[k] = []byte(v)
		}
	}
	s.StringData = nil
}

func validateSecret(s *corev1.Secret) field.ErrorList {
	errs := validateMeta(s, true, apivalidation.NameIsDNSSubdomain)
	dp := field.NewPath("data")
	size := 0
	for _, key := range sortedKeys(s.Data) {
		errs = append(errs, validateDataKey(key, dp.Key(key))...)
		size += len(s.Data[key])
	}
	if size > maxDataSize {
		errs = append(errs, field.TooLong(dp, "", maxDataSize))
	}
	return append(errs, validateSecretType(s, dp)...)
}

// validateSecretType checks the keys each well-known secret type requires.
func validateSecretType(s *corev1.Secret, dp *field.Path) field.ErrorList {
	var errs field.ErrorList
	has := func(k string) bool { _, ok := s.Data[k]; return ok }
	require := func(keys ...string) {
		for _, k := range keys {
			if !has(k) {
				errs = append(errs, field.Required(dp.Key(k), ""))
			}
		}
	}
	switch s.Type {
	case corev1.SecretTypeServiceAccountToken:
		if s.Annotations[corev1.ServiceAccountNameKey] == "" {
			errs = append(errs, field.Required(metaPath.Child("annotations").Key(corev1.ServiceAccountNameKey), ""))
		}
	case corev1.SecretTypeDockercfg:
		require(corev1.DockerConfigKey)
		errs = append(errs, validateJSONKey(s.Data, corev1.DockerConfigKey, dp)...)
	case corev1.SecretTypeDockerConfigJson:
		require(corev1.DockerConfigJsonKey)
		errs = append(errs, validateJSONKey(s.Data, corev1.DockerConfigJsonKey, dp)...)
	case corev1.SecretTypeBasicAuth:
		if !has(corev1.BasicAuthUsernameKey) && !has(corev1.BasicAuthPasswordKey) {
			require(corev1.BasicAuthUsernameKey, corev1.BasicAuthPasswordKey)
		}
	case corev1.SecretTypeSSHAuth:
		require(corev1.SSHAuthPrivateKey)
	case corev1.SecretTypeTLS:
		require(corev1.TLSCertKey, corev1.TLSPrivateKeyKey)
	}
	return errs
}

func validateJSONKey(data map[string][]byte, key string, dp *field.Path) field.ErrorList {
	v, ok := data[key]
	if !ok {
		return nil
	}
	var anything map[string]any
	if err := json.Unmarshal(v, &anything); err != nil {
		return field.ErrorList{field.Invalid(dp.Key(key), "<secret contents redacted>", err.Error())}
	}
	return nil
}

func validateSecretUpdate(s, old *corev1.Secret) field.ErrorList {
	errs := validateMetaUpdate(s, old)
	errs = append(errs, validateSecret(s)...)
	errs = append(errs, immutable(s.Type, old.Type, field.NewPath("type"))...)
	if isImmutable(old.Immutable) {
		errs = append(errs, frozen(s.Immutable, old.Immutable, s.Data, old.Data, s.StringData, old.StringData, "stringData")...)
	}
	return errs
}

var secretColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Type", Type: "string", Description: "Used to facilitate programmatic handling of secret data."},
	{Name: "Data", Type: "integer", Description: "Data contains the secret data."},
	ageColumn,
}

func secretRow(s *corev1.Secret) []any {
	return []any{s.Name, string(s.Type), int64(len(s.Data)), since(s.CreationTimestamp)}
}
