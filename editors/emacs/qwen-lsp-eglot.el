;;; qwen-lsp-eglot.el --- qwen-lsp through Eglot  -*- lexical-binding: t; -*-

;; Needs Eglot 1.9 or newer (Debian 12's elpa-eglot; built into Emacs 29).  Eglot has no inline
;; (ghost-text) completion: qwen-lsp offers its continuation as a completion-at-point candidate
;; (Corfu, Company, or M-x completion-at-point).
;; Eglot runs one server per major mode, so this replaces your usual server for these modes.

(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               '((python-mode python-ts-mode)
                 . ("qwen-lsp" :initializationOptions (:model "qwen3-coder-flash")))))

;; Start it with M-x eglot in a Python buffer, or automatically:
;; (add-hook 'python-mode-hook #'eglot-ensure)
;; (add-hook 'python-ts-mode-hook #'eglot-ensure)

(provide 'qwen-lsp-eglot)
;;; qwen-lsp-eglot.el ends here
