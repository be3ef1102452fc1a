// Package storage describes the storage.k8s.io/v1 kinds served so far.
package storage

import (
	storagev1 "k8s.io/api/storage/v1"

	"rudder/internal/api"
)

// Register adds StorageClass to r.
func Register(r *api.Registry) {
	r.Add(api.Def[*storagev1.StorageClass, *storagev1.StorageClassList]{
		Group: "storage.k8s.io", Version: "v1", Kind: "StorageClass",
		Resource: "storageclasses", Singular: "storageclass",
		ShortNames:     []string{"sc"},
		New:            func() *storagev1.StorageClass { return &storagev1.StorageClass{} },
		NewList:        func() *storagev1.StorageClassList { return &storagev1.StorageClassList{} },
		Default:        defaultStorageClass,
		Validate:       validateStorageClass,
		ValidateUpdate: validateStorageClassUpdate,
		Columns:        columns,
		Row:            row,
	}.Build())
}
