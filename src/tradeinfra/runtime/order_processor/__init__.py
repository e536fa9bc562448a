"""Order processor: POST /orders accepts a limit order, GET /orders/{id} reads it back."""
