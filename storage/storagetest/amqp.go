package storagetest

import (
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// AMQPChannel opens a channel on its own connection to the broker at url,
// closed when the test ends: a test's own view of the broker (the queues
// and exchanges the code under test uses), beside the code's connections.
func AMQPChannel(t testing.TB, url string) *amqp.Channel {
	t.Helper()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}
