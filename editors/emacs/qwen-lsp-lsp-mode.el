;;; qwen-lsp-lsp-mode.el --- qwen-lsp through lsp-mode  -*- lexical-binding: t; -*-

;; Needs lsp-mode 8.0.0 or newer (Debian 12's elpa-lsp-mode is 8.0.0): qwen-lsp's continuation
;; is then a completion-at-point candidate.  lsp-mode 10.0.0 or newer also shows it as ghost
;; text (`lsp-inline-completion-mode'), and qwen-lsp then offers no completion candidate.
;; `:add-on? t' runs qwen-lsp next to your usual server.

(with-eval-after-load 'lsp-mode
  (lsp-register-client
   (make-lsp-client
    :new-connection (lsp-stdio-connection '("qwen-lsp"))
    :activation-fn (lsp-activate-on "python" "rust" "go" "javascript" "typescript")
    :add-on? t
    :server-id 'qwen-lsp
    :initialization-options (lambda () (list :model "qwen3-coder-flash"))))
  ;; Optional: an error here would abort lsp-mode's loading, and `M-x lsp' for every server.
  (if (require 'lsp-inline-completion nil t)
      ;; lsp-mode turns `lsp-inline-completion-mode' on by itself where a server offers inline
      ;; completion (`lsp-inline-completion-enable').  It waits 2 s of idle time by default;
      ;; the server has its own short debounce.
      (setq lsp-inline-completion-idle-delay 0.3)
    (message "qwen-lsp: ghost text needs lsp-mode 10.0.0 or newer (%s); %s"
             (lsp-version) "suggestions come as completion candidates")))

;; While a suggestion is shown (lsp-mode 10), `lsp-inline-completion-active-map' is active:
;; C-<return> accepts (inserting the item's text over its range and running its command),
;; C-n / C-p cycle, C-g, ESC or C-c C-k dismiss; any other key dismisses it and does what it
;; normally does.  `M-x lsp-inline-completion-display' asks at once.  To accept with
;; C-<tab> as well:
;; (with-eval-after-load 'lsp-inline-completion
;;   (define-key lsp-inline-completion-active-map (kbd "C-<tab>") #'lsp-inline-completion-accept))

(provide 'qwen-lsp-lsp-mode)
;;; qwen-lsp-lsp-mode.el ends here
