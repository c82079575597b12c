;;; qwen-lsp-lsp-mode.el --- qwen-lsp through lsp-mode, with ghost text  -*- lexical-binding: t; -*-

;; lsp-mode (9.0.1 or newer) shows textDocument/inlineCompletion as an overlay
;; (`lsp-inline-completion-mode').  `:add-on? t' runs qwen-lsp next to your usual server.

(with-eval-after-load 'lsp-mode
  (require 'lsp-inline-completion)
  (lsp-register-client
   (make-lsp-client
    :new-connection (lsp-stdio-connection '("qwen-lsp"))
    :activation-fn (lsp-activate-on "python" "rust" "go" "javascript" "typescript")
    :add-on? t
    :server-id 'qwen-lsp
    :initialization-options (lambda () (list :model "qwen3-coder-flash"))))
  ;; lsp-mode waits 2 s of idle time by default; the server has its own short debounce.
  (setq lsp-inline-completion-idle-delay 0.3)
  (add-hook 'lsp-mode-hook #'lsp-inline-completion-mode))

;; While a suggestion is shown, `lsp-inline-completion-active-map' is active:
;; RET accepts, C-n / C-p (or M-n / M-p) cycle, C-g or ESC dismiss; any other key dismisses
;; it and does what it normally does.  To accept with C-<tab> as well:
;; (with-eval-after-load 'lsp-inline-completion
;;   (define-key lsp-inline-completion-active-map (kbd "C-<tab>") #'lsp-inline-completion-accept))

(provide 'qwen-lsp-lsp-mode)
;;; qwen-lsp-lsp-mode.el ends here
