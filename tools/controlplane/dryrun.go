package controlplane

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"
)

// DryRun sends every object in manifests (YAML, several documents allowed)
// to the API server as a create with server-side dry run and strict field
// validation (`kubectl create --dry-run=server --validate=strict`): the
// server's defaulting, validation and admission run, nothing is stored. An
// unknown or duplicate field is an error, not a warning. Namespaced objects
// without a namespace go to namespace, which must exist.
//
// It returns nil when the server accepts them all, else one error per
// rejected object, naming it.
func DryRun(ctx context.Context, cfg *rest.Config, namespace string, manifests []byte) error {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	docs, err := splitYAML(string(manifests))
	if err != nil {
		return fmt.Errorf("controlplane: split manifests: %w", err)
	}
	var errs []error
	for i, doc := range docs {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &obj.Object); err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", i+1, err))
			continue
		}
		if err := dryRunCreate(ctx, client, mapper, namespace, obj); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", obj.GetKind(), obj.GetName(), err))
		}
	}
	return errors.Join(errs...)
}

func dryRunCreate(ctx context.Context, client dynamic.Interface, mapper meta.RESTMapper, namespace string, obj *unstructured.Unstructured) error {
	gvk := obj.GroupVersionKind()
	m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return err
	}
	var ri dynamic.ResourceInterface = client.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := obj.GetNamespace()
		if ns == "" {
			ns = namespace
		}
		ri = client.Resource(m.Resource).Namespace(ns)
	}
	_, err = ri.Create(ctx, obj, metav1.CreateOptions{
		DryRun:          []string{metav1.DryRunAll},
		FieldValidation: metav1.FieldValidationStrict,
	})
	return err
}
