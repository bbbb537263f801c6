// Command fakedms serves the fake AWS DMS API, with the built-in Kinesis
// and S3 on the same endpoint, for clients outside Go: the AWS CLI, boto3, the
// JavaScript SDK, Terraform.
//
//	go run ./fakedms/cmd/fakedms -addr 127.0.0.1:4566
//	aws dms describe-account-attributes --endpoint-url http://127.0.0.1:4566
//
// Flags:
//
//	-addr              listen address (default 127.0.0.1:4566; port 0 picks a free one)
//	-region            region of ARNs (default us-east-1)
//	-account           account id of ARNs (default 000000000000)
//	-kinesis-endpoint  write Kinesis targets to this Kinesis API instead of the built-in one
//	-s3-endpoint       read S3 sources from this S3 API (path-style) instead of the built-in one
//	-state-delay       how long resources stay creating, deleting, modifying (default 0)
//
// Each call is logged to stderr (log/slog, text). SIGINT or SIGTERM stops
// the replication tasks and the server.
//
// Like LocalStack, the server reads DMS_SERVERLESS_STATUS_CHANGE_WAITING_TIME
// (seconds spent in each serverless provisioning status, default 0:
// fakedms.WithServerlessStateDelay) and DMS_SERVERLESS_DEPROVISIONING_DELAY
// (seconds from a serverless replication's stop to its deprovisioning,
// default 60: fakedms.WithDeprovisioningDelay).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/minidms/minidms/fakedms"
)

func main() {
	if err := run(os.Args[1:], os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "fakedms:", err)
		os.Exit(1)
	}
}

// serverless holds LocalStack's serverless timing variables.
type serverless struct {
	statusChangeWait, deprovisioningDelay time.Duration
}

func serverlessFromEnv(getenv func(string) string) (serverless, error) {
	s := serverless{deprovisioningDelay: 60 * time.Second}
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{
		{"DMS_SERVERLESS_STATUS_CHANGE_WAITING_TIME", &s.statusChangeWait},
		{"DMS_SERVERLESS_DEPROVISIONING_DELAY", &s.deprovisioningDelay},
	} {
		text := getenv(v.name)
		if text == "" {
			continue
		}
		sec, err := strconv.ParseFloat(text, 64)
		if err != nil || sec < 0 {
			return s, fmt.Errorf("%s=%q: want a non-negative number of seconds", v.name, text)
		}
		*v.dst = time.Duration(sec * float64(time.Second))
	}
	return s, nil
}

// options are the server options the variables stand for.
func (s serverless) options() []fakedms.Option {
	return []fakedms.Option{fakedms.WithServerlessStateDelay(s.statusChangeWait), fakedms.WithDeprovisioningDelay(s.deprovisioningDelay)}
}

func run(args []string, getenv func(string) string) error {
	fs := flag.NewFlagSet("fakedms", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:4566", "listen address")
	region := fs.String("region", "us-east-1", "region of ARNs")
	account := fs.String("account", "000000000000", "account id of ARNs")
	kinesisEndpoint := fs.String("kinesis-endpoint", "", "external Kinesis endpoint for Kinesis targets (default: the built-in Kinesis)")
	s3Endpoint := fs.String("s3-endpoint", "", "external S3 endpoint for S3 sources, path-style (default: the built-in S3)")
	stateDelay := fs.Duration("state-delay", 0, "how long resources stay in transitional states")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sl, err := serverlessFromEnv(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	opts := []fakedms.Option{
		fakedms.WithRegion(*region), fakedms.WithAccount(*account),
		fakedms.WithLogger(log), fakedms.WithStateDelay(*stateDelay),
	}
	opts = append(opts, sl.options()...)
	if *kinesisEndpoint != "" {
		opts = append(opts, fakedms.WithKinesisEndpoint(*kinesisEndpoint))
	}
	if *s3Endpoint != "" {
		opts = append(opts, fakedms.WithS3Endpoint(*s3Endpoint))
	}
	h := fakedms.NewHandler(opts...)
	defer h.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	kinesis := "built-in"
	if *kinesisEndpoint != "" {
		kinesis = *kinesisEndpoint
	}
	s3 := "built-in"
	if *s3Endpoint != "" {
		s3 = *s3Endpoint
	}
	log.Info("fakedms listening", "url", "http://"+ln.Addr().String(), "region", *region, "account", *account, "kinesis", kinesis, "s3", s3,
		"serverless_status_change_wait", sl.statusChangeWait, "serverless_deprovisioning_delay", sl.deprovisioningDelay)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("fakedms stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := h.Close(); err != nil {
		return err
	}
	log.Info("fakedms stopped")
	return nil
}
