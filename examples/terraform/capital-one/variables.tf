variable "http_tokens" {
  type    = string
  default = "required"
}
