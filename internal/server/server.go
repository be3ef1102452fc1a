package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"rudder/internal/api"
	"rudder/internal/api/all"
	"rudder/internal/apiserver"
	"rudder/internal/apiserver/admission/serviceip"
	"rudder/internal/apiserver/auth"
	"rudder/internal/gopool"
	"rudder/internal/pki"
	"rudder/internal/pprofserve"
	"rudder/internal/registry"
	"rudder/internal/storage"
	"rudder/internal/storage/cache"
	"rudder/internal/storage/etcd"
)

// Version is the Kubernetes API level Rudder implements.
var Version = apiserver.VersionInfo{Major: "1", Minor: "32", GitVersion: "v1.32.0+rudder", GitCommit: "rudder"}

// Server is a running control plane.
type Server struct {
	opts           Options
	API            *apiserver.Server
	URL            string
	KubeconfigPath string
	Token          string
	CA             *pki.CA
	etcdClient     *clientv3.Client
	closers        []func()
	imagesReady    chan struct{}
	registry       *registry.Registry
	serviceIPs     *serviceip.Plugin
	stopBackground func()
	bgCtx          context.Context
	bgWG           sync.WaitGroup
	// requests runs API requests, from the network and in process, on
	// goroutines that keep their grown stacks between requests.
	requests *gopool.Pool
	// apiHandler is API once built, for in-process clients.
	apiHandler   atomic.Pointer[apiserver.Server]
	stopRequests func() // ends long-running requests (watches) at Close
	httpServer   *http.Server
	done         chan struct{}
}

// Start brings the control plane up and returns once /readyz is ok.
func Start(ctx context.Context, opts Options) (*Server, error) {
	s := &Server{opts: opts, done: make(chan struct{})}
	s.bgCtx, s.stopBackground = context.WithCancel(context.Background())
	s.requests = gopool.New(s.bgCtx, 30*time.Second)
	if err := s.start(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context) error {
	pprofserve.Start("RUDDER_PPROF_ADDR")
	if err := os.MkdirAll(s.opts.DataDir, 0o700); err != nil {
		return fmt.Errorf("creating data dir: %w", err)
	}
	creds, err := s.credentials()
	if err != nil {
		return err
	}
	if err := s.openEtcd(ctx); err != nil {
		return err
	}
	reg := all.Registry()
	stores, err := s.stores(ctx, reg)
	if err != nil {
		return err
	}
	admission, err := s.admissionPlugins()
	if err != nil {
		return err
	}
	registryHandler, err := s.openRegistry()
	if err != nil {
		return err
	}
	openAPI, err := openAPIHandler(reg)
	if err != nil {
		return err
	}
	api, err := apiserver.New(apiserver.Config{
		Registry:      reg,
		Stores:        stores,
		Authenticator: auth.Union(auth.InProcess(), auth.NewX509(s.CA.Pool()), auth.NewTokens(map[string]auth.User{s.Token: auth.BootstrapUser("join")})),
		Authorizer:    auth.AllowAuthenticated{},
		Admission:     admission,
		OpenAPI:       openAPI,
		Extra: map[string]http.Handler{"/metrics": promhttp.Handler(), "/v2/": registryHandler,
			pki.CAPath: s.caHandler(), pki.JoinPath: s.joinHandler()},
		PublicPath: func(r *http.Request) bool { return registryReadPath(r) || caPublicPath(r) },
		Version:    Version,
	})
	if err != nil {
		return fmt.Errorf("building API server: %w", err)
	}
	s.API = api
	s.apiHandler.Store(api)
	kc, err := kubeletClient(s.CA)
	if err != nil {
		return err
	}
	api.EnableKubeletProxy(kc)
	if err := s.serve(creds); err != nil {
		return err
	}
	if err := s.bootstrap(ctx); err != nil {
		return err
	}
	s.imagesReady = make(chan struct{})
	s.goBackground(func(ctx context.Context) {
		if err := s.seedImages(ctx); err != nil {
			slog.Error("base images", "err", err)
		}
		close(s.imagesReady)
	})
	if s.serviceIPs != nil {
		s.goBackground(s.repairServiceIPs)
	}
	api.SetReady(true)
	return nil
}

// credentials makes the CA, serving certificate, admin kubeconfig and join
// token (all kept in the data dir across restarts).
func (s *Server) credentials() (tls.Certificate, error) {
	ca, err := pki.EnsureCA(filepath.Join(s.opts.DataDir, "tls"))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("CA: %w", err)
	}
	s.CA = ca
	host := s.advertiseHost()
	hosts := []string{host}
	if h, err := os.Hostname(); err == nil {
		hosts = append(hosts, h)
	}
	serving, err := pki.EnsureServing(filepath.Join(s.opts.DataDir, "tls"), ca, hosts)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("serving certificate: %w", err)
	}
	s.URL = "https://" + net.JoinHostPort(host, strconv.Itoa(s.opts.SecurePort))
	s.KubeconfigPath = filepath.Join(s.opts.DataDir, "admin.kubeconfig")
	cert, key, err := ca.IssueClient("admin", []string{auth.GroupMasters}, 365*24*time.Hour)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("admin credentials: %w", err)
	}
	if err := pki.WriteKubeconfig(s.KubeconfigPath, s.URL, ca.CertPEM, cert, key, "admin"); err != nil {
		return tls.Certificate{}, fmt.Errorf("admin kubeconfig: %w", err)
	}
	if s.Token, err = pki.EnsureToken(filepath.Join(s.opts.DataDir, "token")); err != nil {
		return tls.Certificate{}, fmt.Errorf("join token: %w", err)
	}
	return serving, nil
}

// ImagesReady is closed once the base images are in the registry.
func (s *Server) ImagesReady() <-chan struct{} { return s.imagesReady }

// Options returns the options the server runs with.
func (s *Server) Options() Options { return s.opts }

// AdvertiseHost is the address clients are told to use.
func (s *Server) AdvertiseHost() string { return s.advertiseHost() }

func (s *Server) advertiseHost() string {
	switch {
	case s.opts.AdvertiseHost != "":
		return s.opts.AdvertiseHost
	case s.opts.BindAddress == "" || s.opts.BindAddress == "0.0.0.0" || s.opts.BindAddress == "::":
		return "127.0.0.1"
	}
	return s.opts.BindAddress
}

func (s *Server) openEtcd(ctx context.Context) error {
	if len(s.opts.EtcdEndpoints) == 0 {
		e, err := etcd.StartEmbedded(ctx, filepath.Join(s.opts.DataDir, "etcd"))
		if err != nil {
			return fmt.Errorf("starting embedded etcd: %w", err)
		}
		s.closers = append(s.closers, func() { e.Close() })
		s.etcdClient = e.Client()
		return nil
	}
	tlsCfg, err := etcdTLS(s.opts)
	if err != nil {
		return err
	}
	c, err := etcd.Dial(ctx, s.opts.EtcdEndpoints, tlsCfg)
	if err != nil {
		return fmt.Errorf("connecting to etcd: %w", err)
	}
	s.closers = append(s.closers, func() { c.Close() })
	s.etcdClient = c
	return nil
}

// stores builds one cached etcd store per storage resource.
func (s *Server) stores(ctx context.Context, reg *api.Registry) (map[schema.GroupResource]storage.Store, error) {
	scheme := apiserverScheme()
	out := map[schema.GroupResource]storage.Store{}
	cctx, cancel := context.WithCancel(context.Background())
	s.closers = append(s.closers, cancel)
	for _, k := range reg.Kinds() {
		gr := apiserver.StorageResource(k)
		if _, done := out[gr]; done || k.StoredAs != nil {
			continue
		}
		codec := etcd.Codec(scheme, k.GVK.GroupVersion())
		under := etcd.New(etcd.Config{Client: s.etcdClient, GroupResource: gr, Codec: codec, NewFunc: k.New})
		st, err := cache.New(cctx, under, s.etcdClient, apiserver.StoragePrefix(gr)+"/", codec, k.New)
		if err != nil {
			return nil, fmt.Errorf("watch cache for %s: %w", gr, err)
		}
		out[gr] = st
	}
	return out, nil
}

func (s *Server) serve(serving tls.Certificate) error {
	addr := net.JoinHostPort(s.opts.BindAddress, strconv.Itoa(s.opts.SecurePort))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	base, cancel := context.WithCancel(context.Background())
	s.stopRequests = cancel
	s.httpServer = &http.Server{
		BaseContext:       func(net.Listener) context.Context { return base },
		Handler:           s.requests.Handler(s.API),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          nil,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{serving},
			ClientAuth:   tls.VerifyClientCertIfGiven,
			ClientCAs:    s.CA.Pool(),
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"h2", "http/1.1"},
		},
	}
	go func() {
		defer close(s.done)
		if err := s.httpServer.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("API server stopped", "err", err)
		}
	}()
	return nil
}

var (
	namespacesGVR      = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	priorityClassesGVR = schema.GroupVersionResource{Group: "scheduling.k8s.io", Version: "v1", Resource: "priorityclasses"}
)

// bootstrap creates what exists in every Kubernetes cluster from the start.
func (s *Server) bootstrap(ctx context.Context) error {
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
		if err := s.API.EnsureObject(ctx, namespacesGVR, obj); err != nil {
			return err
		}
	}
	for name, value := range map[string]int32{"system-node-critical": 2000001000, "system-cluster-critical": 2000000000} {
		pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value,
			Description: "Used for system critical pods that must not be moved from their current node."}
		if err := s.API.EnsureObject(ctx, priorityClassesGVR, pc); err != nil {
			return err
		}
	}
	return nil
}

// Close stops serving and releases storage.
func (s *Server) Close() {
	if s.stopBackground != nil {
		s.stopBackground()
	}
	s.bgWG.Wait() // background work writes into the data dir and etcd

	if s.httpServer != nil {
		s.stopRequests()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.httpServer.Shutdown(ctx)
		cancel()
		<-s.done
	}
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// goBackground runs fn until it returns or the server closes; Close
// waits for it.
func (s *Server) goBackground(fn func(context.Context)) {
	s.bgWG.Add(1)
	go func() {
		defer s.bgWG.Done()
		fn(s.bgCtx)
	}()
}

// Wait blocks until the HTTP server stops.
func (s *Server) Wait() { <-s.done }

func apiserverScheme() *runtime.Scheme { return apiserver.NewScheme() }
